import { execFile } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** What the processes of one process group use right now. */
export interface GroupStats {
  pgid: number;
  pids: number[];
  /** resident memory of every process of the group, in bytes */
  rssBytes: number;
  /** CPU time used so far by every process of the group (user + system), in seconds */
  cpuSeconds: number;
  /** seconds since the group's oldest process started */
  uptimeSeconds: number;
  /** TCP ports the group's processes listen on (Linux; empty where unknown) */
  listenPorts: number[];
}

/**
 * One pass over the process table for the given process groups (each backend runs in its own
 * group, so a group is an instance with all its children: llama-server's router children,
 * vLLM's workers, a docker client). Linux reads /proc (no process is spawned); elsewhere one
 * `ps` call covers every group.
 */
export async function sampleGroups(pgids: number[]): Promise<Map<number, GroupStats>> {
  const out = new Map<number, GroupStats>();
  if (pgids.length === 0) return out;
  const wanted = new Set(pgids);
  if (process.platform === 'linux') await sampleLinux(wanted, out);
  else await samplePs(wanted, out);
  return out;
}

interface LinuxConstants {
  pageSize: number;
  ticksPerSecond: number;
}
let linuxConstants: Promise<LinuxConstants> | null = null;

/** Page size and clock ticks, asked once (getconf), with Linux's usual values as fallback. */
function constants(): Promise<LinuxConstants> {
  linuxConstants ??= (async () => {
    const ask = async (name: string, fallback: number) => {
      try {
        const { stdout } = await execFileAsync('getconf', [name], { timeout: 2000 });
        const n = Number(stdout.trim());
        return Number.isFinite(n) && n > 0 ? n : fallback;
      } catch {
        return fallback;
      }
    };
    return { pageSize: await ask('PAGESIZE', 4096), ticksPerSecond: await ask('CLK_TCK', 100) };
  })();
  return linuxConstants;
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
export function parseProcStat(text: string): {
  pgrp: number;
  utime: number;
  stime: number;
  starttime: number;
  rssPages: number;
} | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state): field N is f[N - 3].
  const num = (field: number) => Number(f[field - 3]);
  const stat = {
    pgrp: num(5),
    utime: num(14),
    stime: num(15),
    starttime: num(22),
    rssPages: num(24),
  };
  return Object.values(stat).every(Number.isFinite) ? stat : null;
}

async function sampleLinux(wanted: Set<number>, out: Map<number, GroupStats>): Promise<void> {
  const { pageSize, ticksPerSecond } = await constants();
  const uptime = Number((await readFile('/proc/uptime', 'utf8')).split(' ')[0]);
  const entries = await readdir('/proc');
  const inodesByGroup = new Map<number, Set<string>>();
  await Promise.all(
    entries.map(async (entry) => {
      if (!/^\d+$/.test(entry)) return;
      let text: string;
      try {
        text = await readFile(`/proc/${entry}/stat`, 'utf8');
      } catch {
        return; // exited meanwhile
      }
      const s = parseProcStat(text);
      if (!s || !wanted.has(s.pgrp)) return;
      const pid = Number(entry);
      const g = group(out, s.pgrp);
      g.pids.push(pid);
      g.rssBytes += s.rssPages * pageSize;
      g.cpuSeconds += (s.utime + s.stime) / ticksPerSecond;
      g.uptimeSeconds = Math.max(g.uptimeSeconds, uptime - s.starttime / ticksPerSecond);
      const inodes = inodesByGroup.get(s.pgrp) ?? new Set<string>();
      inodesByGroup.set(s.pgrp, inodes);
      await socketInodes(pid, inodes);
    }),
  );
  if (out.size === 0) return;
  const listening = await listeningSockets();
  for (const [pgid, inodes] of inodesByGroup) {
    const ports = new Set<number>();
    for (const inode of inodes) {
      const port = listening.get(inode);
      if (port !== undefined) ports.add(port);
    }
    out.get(pgid)!.listenPorts = [...ports].sort((a, b) => a - b);
  }
}

/** The socket inodes a process holds open (/proc/<pid>/fd/* -> "socket:[inode]"). */
async function socketInodes(pid: number, into: Set<string>): Promise<void> {
  let fds: string[];
  try {
    fds = await readdir(`/proc/${pid}/fd`);
  } catch {
    return; // another user's process, or gone
  }
  await Promise.all(
    fds.map(async (fd) => {
      try {
        const target = await readlink(`/proc/${pid}/fd/${fd}`);
        if (target.startsWith('socket:[')) into.add(target.slice(8, -1));
      } catch {
        // closed meanwhile
      }
    }),
  );
}

/** Listening TCP sockets of the machine: inode -> local port (/proc/net/tcp and tcp6). */
async function listeningSockets(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is "HEXIP:HEXPORT", st 0A is LISTEN, inode is column 10.
      if (cols.length < 10 || cols[3] !== '0A') continue;
      const port = parseInt(cols[1]!.split(':')[1]!, 16);
      out.set(cols[9]!, port);
    }
  }
  return out;
}

/** macOS and other Unixes: one `ps` for the whole table. */
async function samplePs(wanted: Set<number>, out: Map<number, GroupStats>): Promise<void> {
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync('ps', ['-A', '-o', 'pid=,pgid=,rss=,time=,etime='], {
      timeout: 5000,
      maxBuffer: 8 * 1024 * 1024,
    }));
  } catch {
    return;
  }
  for (const line of stdout.split('\n')) {
    const [pid, pgid, rssKb, time, etime] = line.trim().split(/\s+/);
    if (!pid || !wanted.has(Number(pgid))) continue;
    const g = group(out, Number(pgid));
    g.pids.push(Number(pid));
    g.rssBytes += Number(rssKb) * 1024;
    g.cpuSeconds += clockSeconds(time ?? '0');
    g.uptimeSeconds = Math.max(g.uptimeSeconds, clockSeconds(etime ?? '0'));
  }
}

/** ps times: "[[dd-]hh:]mm:ss[.cc]". */
export function clockSeconds(text: string): number {
  const [days, rest] = text.includes('-') ? text.split('-') : ['0', text];
  const parts = (rest ?? '0').split(':').map(Number);
  let s = 0;
  for (const p of parts) s = s * 60 + (Number.isFinite(p) ? p : 0);
  return Number(days) * 86_400 + s;
}

function group(out: Map<number, GroupStats>, pgid: number): GroupStats {
  let g = out.get(pgid);
  if (!g) {
    g = { pgid, pids: [], rssBytes: 0, cpuSeconds: 0, uptimeSeconds: 0, listenPorts: [] };
    out.set(pgid, g);
  }
  return g;
}
