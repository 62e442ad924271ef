import { readFileSync } from 'node:fs';
import type { AppError } from '../../shared/errors';
import { startTestServer, type TestServer } from '../testing/test-server';
import { action, createInstance, getInstance, testPortRange } from './test-helpers';

// Regression tests of supervision bugs (issue 14), each against real child processes.

let s: TestServer | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

async function server(slot: number, config: Record<string, unknown> = {}): Promise<TestServer> {
  const { instances, ...rest } = config as { instances?: Record<string, unknown> };
  s = await startTestServer({
    config: { instances: { port_range: testPortRange(slot), ...instances }, ...rest },
  });
  return s;
}

function startsIn(srv: TestServer, name: string): number {
  const log = readFileSync(srv.services.instances.logFile(name), 'utf8');
  return (log.match(new RegExp(`=== Instance ${name} started at`, 'g')) ?? []).length;
}

describe('restart counter', () => {
  it('is reset by an on-demand start of a failed instance, as by an API start', async () => {
    const srv = await server(50);
    // never ready, crashes soon: every start ends in a crash
    await createInstance(srv, 'loop', {
      max_restarts: 1,
      restart_delay: 0,
      environment: { FAKE_HEALTH_503_MS: '60000', FAKE_CRASH_AFTER_MS: '100' },
    });
    await action(srv, 'loop', 'start');
    await expect
      .poll(async () => (await getInstance(srv, 'loop')).status, { timeout: 15_000 })
      .toBe('failed');
    expect(startsIn(srv, 'loop')).toBe(2);
    expect((await getInstance(srv, 'loop')).restarts).toBe(1);

    await expect(srv.services.instances.ensureReady('loop')).rejects.toMatchObject({
      code: 'instance_start_failed',
    });
    // a fresh budget: the start plus one automatic restart, not a single start straight to failed
    await expect
      .poll(async () => (await getInstance(srv, 'loop')).status, { timeout: 15_000 })
      .toBe('failed');
    expect(startsIn(srv, 'loop')).toBe(4);
  });
});

describe('spawn errors', () => {
  it('turns an argument spawn() refuses (a NUL byte) into start_failed with the reason', async () => {
    // The API refuses NUL bytes in instance options; the backend config is another way in.
    const srv = await server(51, { backends: { 'llama-cpp': { environment: { X: 'a\0b' } } } });
    await createInstance(srv, 'nul', {});
    const res = await action(srv, 'nul', 'start');
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body.error).toBe('start_failed');
    expect(body.details).toContain('null bytes');
    expect(body.details).not.toContain('a\0b');
    expect((await getInstance(srv, 'nul')).status).toBe('stopped');

    const err = await srv.services.instances.ensureReady('nul').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'instance_start_failed' });
    expect((err as AppError).details).toContain('null bytes');
  });

  it('refuses NUL bytes and bad environment names at create with 400 naming the field', async () => {
    const srv = await server(52);
    const post = (body: Record<string, unknown>) =>
      srv.api('/api/v1/instances/bad', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ backend_type: 'llama_cpp', ...body }),
      });
    for (const [body, field] of [
      [{ backend_options: { model: 'x\0y' } }, 'backend_options.model'],
      [{ environment: { 'A=B': '1' } }, 'environment'],
      [{ restart_delay: 99999999999 }, 'restart_delay: must be at most 86400 seconds'],
    ] as const) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect((await res.json()).details).toContain(field);
    }
  });
});
