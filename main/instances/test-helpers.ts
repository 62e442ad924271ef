import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Instance } from '../../shared/api/instances';
import type { TestServer } from '../testing/test-server';

/** Absolute path of the executable fake backend (usable as `command_override`). */
export const FAKE_BACKEND = fileURLToPath(
  new URL('../../e2e/fixtures/fake-backend.mjs', import.meta.url),
);

/**
 * A port range per test file and process, so parallel test files (and other people's test runs
 * on the same machine) rarely meet; the allocator probes the OS anyway. All below 32768, where
 * Linux's ephemeral ports begin (ip_local_port_range 32768-60999): a port probed free at create
 * could otherwise be taken by some client socket before the instance's on-demand start, which
 * then fails at once with port_unavailable.
 */
export function testPortRange(slot: number): [number, number] {
  const base = 20_000 + ((process.pid * 7 + slot * 131) % 100) * 100;
  return [base, base + 99];
}

export async function createInstance(
  s: TestServer,
  name: string,
  body: Record<string, unknown>,
): Promise<Instance> {
  const res = await s.api(`/api/v1/instances/${name}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ backend_type: 'llama_cpp', command_override: FAKE_BACKEND, ...body }),
  });
  if (res.status !== 201) throw new Error(`create ${name}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Instance;
}

export async function action(
  s: TestServer,
  name: string,
  verb: 'start' | 'stop' | 'restart',
): Promise<Response> {
  return s.api(`/api/v1/instances/${name}/${verb}`, { method: 'POST' });
}

export async function getInstance(s: TestServer, name: string): Promise<Instance> {
  const res = await s.api(`/api/v1/instances/${name}`);
  if (res.status !== 200) throw new Error(`get ${name}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Instance;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * An (empty) model file for instances of the fake backend: the supervisor checks that a
 * llama.cpp instance's model file exists before it spawns.
 */
export function modelFile(name: string): string {
  const dir = join(tmpdir(), `llamactl-test-models-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, '');
  return path;
}
