import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { ProcessRow } from './instance-store';

/**
 * Finds backends left behind by a server that was killed outright (SIGKILL, power loss of the
 * parent, a crash) and stops them before anything else starts, so a port is never used twice.
 * A recorded pid is ours when it still has the recorded start time: pids are reused, but never
 * with the same start time, and an `exec` (wrapper scripts of Homebrew, pyenv, conda, nix, asdf)
 * keeps both while it changes the command line. Rows written before start times were recorded
 * fall back to comparing the command line. Members of a recorded process group whose leader is
 * gone are ours because a process group id cannot be reused while the group has members.
 */

let bootId: string | null | undefined;

/**
 * When the process started, as an opaque string that is equal for the same process and
 * different for another process that reused the pid; null when it does not exist (or is a
 * zombie) or the platform gives no answer. Linux: boot id + field 22 of /proc/<pid>/stat (clock
 * ticks since boot); elsewhere `ps -o lstart=` (to the second, which is enough next to the pid).
 */
export function processStartTime(pid: number): string | null {
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || fields[0] === 'X') return null;
      if (bootId === undefined) {
        try {
          bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
        } catch {
          bootId = null;
        }
      }
      // fields[0] is field 3 (state), so field 22 (starttime) is fields[19]
      return `linux:${bootId ?? ''}:${fields[19]}`;
    } catch {
      return null;
    }
  }
  if (process.platform === 'win32') return null;
  try {
    const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], {
      encoding: 'utf8',
      timeout: 2000,
      env: { ...process.env, LC_ALL: 'C' },
    }).trim();
    return out ? `ps:${out}` : null;
  } catch {
    return null;
  }
}

/** The process's argv, or null when it does not exist (or is a zombie). */
export function readCmdline(pid: number): string[] | null {
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') return null;
      const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return raw.split('\0').filter((s, i, a) => !(i === a.length - 1 && s === ''));
    } catch {
      return null;
    }
  }
  try {
    const out = execFileSync('ps', ['-o', 'args=', '-p', String(pid)], {
      encoding: 'utf8',
      timeout: 2000,
    }).trim();
    return out ? out.split(/\s+/) : null;
  } catch {
    return null;
  }
}

/**
 * The recorded argv is `[command, ...args]`; the live one may have an interpreter in front
 * (`#!/usr/bin/env node` scripts run as `node /path/script ...`). Both must end with the same args
 * and the live one must mention the command.
 */
export function commandMatches(recorded: string[], actual: string[]): boolean {
  if (recorded.length === 0 || actual.length === 0) return false;
  const [cmd, ...args] = recorded;
  if (actual.length < args.length + 1) return false;
  const tail = actual.slice(actual.length - args.length);
  if (process.platform === 'linux' && !args.every((a, i) => a === tail[i])) return false;
  const head = actual.slice(0, actual.length - args.length);
  const cmdBase = basename(cmd);
  return head.some((a) => a === cmd || basename(a) === cmdBase);
}

/** Linux only: pids whose process group is `pgid` (empty elsewhere). */
export function groupMembers(pgid: number): number[] {
  if (process.platform !== 'linux') return [];
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[0] = state, [1] = ppid, [2] = pgrp
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) out.push(Number(entry));
    } catch {
      // the process went away while scanning
    }
  }
  return out;
}

const alive = (pid: number) => readCmdline(pid) !== null;

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // nothing left to signal
  }
}

export interface ReapResult {
  instance: string;
  pid: number;
  action: 'killed' | 'gone' | 'not-ours';
}

/** SIGTERM each leftover group, wait up to `graceMs` for all of them, SIGKILL what remains. */
export async function reapOrphans(rows: ProcessRow[], graceMs: number): Promise<ReapResult[]> {
  const results: ReapResult[] = [];
  const targets: { row: ProcessRow; pids: number[] }[] = [];
  for (const row of rows) {
    const cmd = readCmdline(row.pid);
    const live = cmd ? processStartTime(row.pid) : null;
    const ours =
      cmd !== null &&
      (row.start_time !== null && live !== null
        ? live === row.start_time
        : commandMatches(row.command, cmd));
    if (ours) {
      targets.push({
        row,
        pids: [row.pid, ...groupMembers(row.pgid).filter((p) => p !== row.pid)],
      });
      continue;
    }
    const members = cmd ? [] : groupMembers(row.pgid);
    if (members.length > 0) {
      targets.push({ row, pids: members });
      continue;
    }
    results.push({ instance: row.instance_name, pid: row.pid, action: cmd ? 'not-ours' : 'gone' });
  }
  if (targets.length === 0) return results;
  for (const t of targets) signalGroup(t.row.pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && targets.some((t) => t.pids.some(alive))) {
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const t of targets) {
    if (t.pids.some(alive)) {
      signalGroup(t.row.pgid, 'SIGKILL');
      for (const p of t.pids) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    results.push({ instance: t.row.instance_name, pid: t.row.pid, action: 'killed' });
  }
  const killDeadline = Date.now() + 2000;
  while (Date.now() < killDeadline && targets.some((t) => t.pids.some(alive))) {
    await new Promise((r) => setTimeout(r, 20));
  }
  return results;
}
