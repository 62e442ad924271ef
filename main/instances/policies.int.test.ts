import type { InstanceStatus } from '../../shared/api/instances';
import type { AppError } from '../../shared/errors';
import { startTestServer, type TestServer } from '../testing/test-server';
import { action, createInstance, getInstance, testPortRange } from './test-helpers';

let s: TestServer | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

async function server(slot: number, instances: Record<string, unknown>): Promise<TestServer> {
  s = await startTestServer({
    config: { instances: { port_range: testPortRange(slot), ...instances } },
  });
  return s;
}

const statusOf = async (srv: TestServer, name: string): Promise<InstanceStatus> =>
  (await getInstance(srv, name)).status;

describe('running-instance limits', () => {
  it('evicts the least recently used instance when max_running_instances is reached', async () => {
    const srv = await server(10, { max_running_instances: 2 });
    for (const n of ['a', 'b', 'c']) await createInstance(srv, n, {});
    expect((await action(srv, 'a', 'start')).status).toBe(200);
    expect((await action(srv, 'b', 'start')).status).toBe(200);
    // b was used after a: a is the least recently used one
    srv.services.instances.beginRequest('b')();
    expect((await action(srv, 'c', 'start')).status).toBe(200);
    expect(await statusOf(srv, 'a')).toBe('stopped');
    expect(await statusOf(srv, 'b')).toBe('running');
    expect(await statusOf(srv, 'c')).toBe('running');
  });

  it('never evicts an instance with requests in flight and answers 409 saying why when nothing can go', async () => {
    const srv = await server(11, { max_running_instances: 2 });
    for (const n of ['a', 'b', 'c', 'd']) await createInstance(srv, n, {});
    await action(srv, 'a', 'start');
    await action(srv, 'b', 'start');
    const endA = srv.services.instances.beginRequest('a');
    srv.services.instances.beginRequest('b')();
    // a is older by last use but busy: b goes
    expect((await action(srv, 'c', 'start')).status).toBe(200);
    expect(await statusOf(srv, 'a')).toBe('running');
    expect(await statusOf(srv, 'b')).toBe('stopped');
    const endC = srv.services.instances.beginRequest('c');
    const refused = await action(srv, 'd', 'start');
    expect(refused.status).toBe(409);
    const body = await refused.json();
    expect(body.error).toBe('limit_reached');
    expect(body.details).toContain('max_running_instances (2)');
    expect(body.details).toContain('a has 1 request(s) in flight');
    expect(await statusOf(srv, 'd')).toBe('stopped');
    endA();
    endC();
  });

  it('refuses with 409 instead of evicting when enable_lru_eviction is off', async () => {
    const srv = await server(12, { max_running_instances: 1, enable_lru_eviction: false });
    for (const n of ['a', 'b']) await createInstance(srv, n, {});
    await action(srv, 'a', 'start');
    const res = await action(srv, 'b', 'start');
    expect(res.status).toBe(409);
    expect((await res.json()).details).toContain('enable_lru_eviction is off');
    expect(await statusOf(srv, 'a')).toBe('running');
  });

  it('applies group_limits within the group only', async () => {
    const srv = await server(13, { group_limits: { big: 1 } });
    await createInstance(srv, 'x', { group: 'big' });
    await createInstance(srv, 'y', { group: 'big' });
    await createInstance(srv, 'z', {});
    await action(srv, 'x', 'start');
    await action(srv, 'z', 'start');
    expect((await action(srv, 'y', 'start')).status).toBe(200);
    expect(await statusOf(srv, 'x')).toBe('stopped');
    expect(await statusOf(srv, 'y')).toBe('running');
    expect(await statusOf(srv, 'z')).toBe('running');
  });

  it('never exceeds the limit when many starts arrive at once', async () => {
    const srv = await server(14, { max_running_instances: 2, enable_lru_eviction: false });
    const names = ['p1', 'p2', 'p3', 'p4', 'p5'];
    for (const n of names) await createInstance(srv, n, {});
    let maxActive = 0;
    const active = new Set<string>();
    srv.services.events.subscribe((e) => {
      if (e.type !== 'instance' || !e.instance) return;
      if (e.instance.status === 'running' || e.instance.status === 'restarting') active.add(e.name);
      else active.delete(e.name);
      maxActive = Math.max(maxActive, active.size);
    });
    const results = await Promise.all(names.map((n) => action(srv, n, 'start')));
    const codes = results.map((r) => r.status).sort();
    expect(codes).toEqual([200, 200, 409, 409, 409]);
    const running = srv.services.instances.list().filter((i) => i.status === 'running');
    expect(running).toHaveLength(2);
    expect(maxActive).toBe(2);
  });

  it('applies the same limits to on-demand starts through ensureReady', async () => {
    const srv = await server(15, { max_running_instances: 1 });
    await createInstance(srv, 'a', {});
    await createInstance(srv, 'b', {});
    await srv.services.instances.ensureReady('a');
    expect((await getInstance(srv, 'a')).health).toBe('ready');
    await srv.services.instances.ensureReady('b');
    expect(await statusOf(srv, 'a')).toBe('stopped');
    expect((await getInstance(srv, 'b')).health).toBe('ready');
  });
});

describe('on-demand start', () => {
  it('shares one start between concurrent callers and waits for readiness', async () => {
    const srv = await server(16, {});
    await createInstance(srv, 'slow', { environment: { FAKE_HEALTH_503_MS: '400' } });
    let starts = 0;
    srv.services.events.subscribe((e) => {
      if (
        e.type === 'instance' &&
        e.name === 'slow' &&
        e.change === 'status' &&
        e.instance?.status === 'running'
      )
        starts++;
    });
    await Promise.all([1, 2, 3, 4].map(() => srv.services.instances.ensureReady('slow')));
    expect(starts).toBe(1);
    expect((await getInstance(srv, 'slow')).health).toBe('ready');
  });

  it('fails with the log tail when the backend crashes while starting', async () => {
    const srv = await server(17, {});
    await createInstance(srv, 'dies', {
      auto_restart: false,
      environment: { FAKE_HEALTH_503_MS: '5000', FAKE_CRASH_AFTER_MS: '50' },
    });
    const err = await srv.services.instances.ensureReady('dies').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'instance_start_failed' });
    expect((err as AppError).details).toContain('exited with code 1');
    expect((err as AppError).logTail).toContain('fake-backend: crashing with exit code 1');
  });

  it('refuses when on_demand_start is off', async () => {
    const srv = await server(18, {});
    await createInstance(srv, 'manual', { on_demand_start: false });
    await expect(srv.services.instances.ensureReady('manual')).rejects.toMatchObject({
      code: 'instance_not_running',
    });
  });
});

describe('idle timeout', () => {
  it('stops an idle instance but not one with a request in flight', async () => {
    // check every 0.3 s; idle after 0.6 s
    const srv = await server(19, { timeout_check_interval: 0.005 });
    await createInstance(srv, 'idle', { idle_timeout: 0.01 });
    await createInstance(srv, 'busy', { idle_timeout: 0.01 });
    await action(srv, 'busy', 'start');
    const end = srv.services.instances.beginRequest('busy');
    await action(srv, 'idle', 'start');
    await expect.poll(() => statusOf(srv, 'idle'), { timeout: 15_000 }).toBe('stopped');
    expect(await statusOf(srv, 'busy')).toBe('running');
    end();
    await expect.poll(() => statusOf(srv, 'busy'), { timeout: 15_000 }).toBe('stopped');
  });
});
