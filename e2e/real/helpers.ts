import type { Instance } from '../../shared/api/instances';
// Shared pieces of the real llama-server suite: the binary from the global setup, tiny models,
// our server configured to run that binary, and a look at the process table.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { inject } from 'vitest';
import { writeTinyLlamaGguf } from '../fixtures/gguf-writer';
import { startTestServer, type TestServer } from '../../main/testing/test-server';

export function llamaServerPath(): string {
  return inject('llamaServer');
}

/**
 * A private window of ports per test process, so the instances of this suite never race other
 * suites (which use the default 8000-9000) for a port.
 */
export function portRange(): [number, number] {
  const base = 20_000 + (process.pid % 400) * 100;
  return [base, base + 99];
}

/** A temporary folder whose path marks every llama-server this suite starts (see llamaServerPids). */
export function makeWorkDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `llamactl-real-${prefix}-`));
}

export function removeWorkDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Writes distinct tiny models `<dir>/<name>.gguf`; returns their paths by name. */
export function writeTinyModels(dir: string, names: string[]): Record<string, string> {
  return Object.fromEntries(
    names.map((name, i) => [
      name,
      writeTinyLlamaGguf(join(dir, `${name}.gguf`), { name, seed: 100 + i }).path,
    ]),
  );
}

/** Our server's config for the real suite (YAML structure). */
export function realConfig(
  extra: { instances?: Record<string, unknown> } = {},
): Record<string, unknown> {
  return {
    backends: { 'llama-cpp': { command: llamaServerPath() } },
    instances: { port_range: portRange(), on_demand_start_timeout: 60, ...extra.instances },
  };
}

/** Our server in this process, running the real llama-server. */
export async function startRealServer(
  extra: { instances?: Record<string, unknown> } = {},
): Promise<TestServer> {
  return startTestServer({ config: realConfig(extra) });
}

/** Options that keep the tiny model polite on a shared 2-core machine. */
export const LIGHT_OPTIONS = { threads: 1, threads_batch: 1, ctx_size: 512, parallel: 1 } as const;

/** Creates a llama.cpp instance on 127.0.0.1 with the light options; fails unless the answer is 201. */
export async function createLlamaInstance(
  server: TestServer,
  name: string,
  backendOptions: Record<string, unknown>,
  options: Record<string, unknown>,
): Promise<Instance> {
  const created = await json<Instance>(
    server.api(`/api/v1/instances/${name}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        backend_type: 'llama_cpp',
        backend_options: { ...backendOptions, host: '127.0.0.1', ...LIGHT_OPTIONS },
        ...options,
      }),
    }),
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body;
}

export async function createInferenceKey(server: TestServer, name = 'real-suite'): Promise<string> {
  const res = await server.api('/api/v1/auth/keys', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, permission_mode: 'allow_all' }),
  });
  if (res.status !== 201)
    throw new Error(`creating an inference key answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { key: string }).key;
}

export async function json<T = any>(
  res: Response | Promise<Response>,
): Promise<{ status: number; body: T }> {
  const r = await res;
  const text = await r.text();
  try {
    return { status: r.status, body: JSON.parse(text) as T };
  } catch {
    throw new Error(`expected JSON, got ${r.status}: ${text.slice(0, 500)}`);
  }
}

export interface ProcInfo {
  pid: number;
  ppid: number;
  argv: string[];
}

/** Every process on this machine, from /proc (Linux only, like the CI machines). */
export function processTable(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      // The command name in /proc/<pid>/stat is in parentheses and may contain spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (argv.length) out.push({ pid: Number(entry), ppid, argv });
    } catch {
      // The process exited while we were reading.
    }
  }
  return out;
}

/** llama-server processes whose command line mentions `marker` (a temp dir of this suite). */
export function llamaServers(marker: string): ProcInfo[] {
  return processTable().filter(
    (p) => basename(p.argv[0]).startsWith('llama-server') && p.argv.some((a) => a.includes(marker)),
  );
}

export function isDescendant(table: ProcInfo[], pid: number, ancestor: number): boolean {
  const parent = new Map(table.map((p) => [p.pid, p.ppid]));
  for (let cur = parent.get(pid); cur !== undefined && cur > 1; cur = parent.get(cur)) {
    if (cur === ancestor) return true;
  }
  return false;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Reads an SSE response into its `data:` payloads. */
export async function readSse(res: Response): Promise<string[]> {
  const text = await res.text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).trim());
}
