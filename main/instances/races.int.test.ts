import { readFileSync } from 'node:fs';
import { startTestServer, type TestServer, type TestServerOptions } from '../testing/test-server';
import {
  action,
  createInstance,
  FAKE_BACKEND,
  getInstance,
  isAlive,
  testPortRange,
} from './test-helpers';
import { ManualTimers } from './timers';

// Races that llama-swap found in its own process state machine, against real fake backends.
// Timing comes from the backend's own signals (health answers, in-flight requests held open)
// and from a manual clock, never from sleeps.

let s: TestServer | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

async function server(
  slot: number,
  instances: Record<string, unknown> = {},
  instanceTuning?: TestServerOptions['instanceTuning'],
): Promise<TestServer> {
  s = await startTestServer({
    config: { instances: { port_range: testPortRange(slot), ...instances } },
    instanceTuning,
  });
  return s;
}

function startsIn(srv: TestServer, name: string): number {
  const log = readFileSync(srv.services.instances.logFile(name), 'utf8');
  return (log.match(new RegExp(`=== Instance ${name} started at`, 'g')) ?? []).length;
}

async function until(srv: TestServer, name: string, health: string): Promise<void> {
  await expect
    .poll(async () => (await getInstance(srv, name)).health, { timeout: 10_000 })
    .toBe(health);
}

describe('races of the instance state machine', () => {
  it('makes a request that arrives while the instance is stopping wait for the stop, then start it', async () => {
    const srv = await server(70);
    await createInstance(srv, 'r1', {});
    await action(srv, 'r1', 'start');
    await until(srv, 'r1', 'ready');
    const oldPid = (await getInstance(srv, 'r1')).pid!;
    // a request in flight holds the stop in its drain phase: `stopping` for as long as we like
    const end = srv.services.instances.beginRequest('r1');
    const stopped = action(srv, 'r1', 'stop');
    await expect
      .poll(async () => (await getInstance(srv, 'r1')).status, { timeout: 10_000 })
      .toBe('shutting_down');

    // not refused as shutting down: it waits for the stop, then starts the instance again
    const ready = srv.services.instances.ensureReady('r1');
    end();
    expect((await stopped).status).toBe(200);
    await ready;
    const after = await getInstance(srv, 'r1');
    expect(after).toMatchObject({ status: 'running', health: 'ready' });
    expect(after.pid).not.toBe(oldPid);
    expect(isAlive(oldPid)).toBe(false);
    expect(startsIn(srv, 'r1')).toBe(2);
  });

  it('lets callers of an on-demand start wait for the new process when an update restarts it', async () => {
    const srv = await server(71);
    // never ready with these options
    await createInstance(srv, 'r2', { environment: { FAKE_HEALTH_503_MS: '600000' } });
    const ready = srv.services.instances.ensureReady('r2');
    await until(srv, 'r2', 'starting');
    const oldPid = (await getInstance(srv, 'r2')).pid!;

    const res = await srv.api('/api/v1/instances/r2', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        backend_type: 'llama_cpp',
        command_override: FAKE_BACKEND,
        environment: {},
      }),
    });
    expect(res.status).toBe(200);
    // the waiting caller is answered by the new process, started with the new options
    await ready;
    const after = await getInstance(srv, 'r2');
    expect(after.health).toBe('ready');
    expect(after.options.environment ?? {}).toEqual({});
    expect(after.pid).not.toBe(oldPid);
    expect(isAlive(oldPid)).toBe(false);
  });

  it('refuses a delete during a start, and deletes once the start is stopped', async () => {
    const srv = await server(72);
    await createInstance(srv, 'r3', { environment: { FAKE_HEALTH_503_MS: '600000' } });
    const ready = srv.services.instances.ensureReady('r3').catch((e: unknown) => e);
    await until(srv, 'r3', 'starting');
    const { pid } = await getInstance(srv, 'r3');

    const del = await srv.api('/api/v1/instances/r3', { method: 'DELETE' });
    expect(del.status).toBe(409);
    expect((await del.json()).error).toBe('instance_running');
    expect((await getInstance(srv, 'r3')).health).toBe('starting');

    expect((await action(srv, 'r3', 'stop')).status).toBe(200);
    expect(await ready).toMatchObject({ code: 'instance_start_failed' });
    expect((await srv.api('/api/v1/instances/r3', { method: 'DELETE' })).status).toBe(204);
    expect(isAlive(pid!)).toBe(false);
    expect(srv.services.instances.find('r3')).toBeUndefined();
  });

  it('cancels a pending automatic restart on stop, so no process appears later', async () => {
    const timers = new ManualTimers();
    const srv = await server(73, {}, { timers });
    await createInstance(srv, 'r4', {
      restart_delay: 5,
      max_restarts: 3,
      environment: { FAKE_CRASH_AFTER_MS: '50' },
    });
    await action(srv, 'r4', 'start');
    await expect
      .poll(async () => (await getInstance(srv, 'r4')).status, { timeout: 10_000 })
      .toBe('restarting');
    expect(timers.deadlines()).toContain(5_000);

    expect((await action(srv, 'r4', 'stop')).status).toBe(200);
    expect(timers.deadlines()).toEqual([]);
    timers.advance(60_000);
    const after = await getInstance(srv, 'r4');
    expect(after).toMatchObject({ status: 'stopped', health: 'stopped' });
    expect(after.pid).toBeUndefined();
    expect(startsIn(srv, 'r4')).toBe(1);
  });

  it('admits concurrent on-demand starts of different instances one at a time at the limit', async () => {
    const srv = await server(74, { max_running_instances: 1, enable_lru_eviction: true });
    for (const n of ['r5a', 'r5b', 'r5c'])
      await createInstance(srv, n, { environment: { FAKE_HEALTH_503_MS: '300' } });
    const results = await Promise.allSettled(
      ['r5a', 'r5b', 'r5c'].map((n) => srv.services.instances.ensureReady(n)),
    );
    // the first admitted start has callers waiting for it, so it is never evicted for another
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected'))
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'limit_reached' });
    const running = srv.services.instances.list().filter((i) => i.status === 'running');
    expect(running).toHaveLength(1);
    expect(running[0]!.health).toBe('ready');
  });
});
