import { readFileSync } from 'node:fs';
import type { ServerEvent } from '../../shared/api/events';
import { startTestServer, type TestServer } from '../testing/test-server';
import {
  action,
  createInstance,
  FAKE_BACKEND,
  getInstance,
  isAlive,
  modelFile,
  testPortRange,
} from './test-helpers';

let s: TestServer;
const events: ServerEvent[] = [];

beforeAll(async () => {
  s = await startTestServer({ config: { instances: { port_range: testPortRange(1) } } });
  s.services.events.subscribe((e) => events.push(e));
});
afterAll(async () => {
  await s?.close();
});

describe('instance lifecycle through the API', () => {
  it('goes stopped -> running/starting -> ready -> stopped and logs the backend output', async () => {
    const created = await createInstance(s, 'life', {
      backend_options: { model: modelFile('a.gguf') },
      environment: { FAKE_HEALTH_503_MS: '300' },
    });
    expect(created).toMatchObject({ name: 'life', status: 'stopped', health: 'stopped' });
    expect(typeof created.options.backend_options.port).toBe('number');
    expect(created.options).toMatchObject({
      auto_restart: true,
      max_restarts: 3,
      restart_delay: 5,
      on_demand_start: true,
      idle_timeout: 30,
    });

    const started = await (await action(s, 'life', 'start')).json();
    expect(started).toMatchObject({ status: 'running', health: 'starting' });
    expect(started.pid).toBeGreaterThan(0);

    await expect
      .poll(async () => (await getInstance(s, 'life')).health, { timeout: 10_000 })
      .toBe('ready');
    const healths = events
      .filter((e) => e.type === 'instance' && e.name === 'life')
      .map((e) => (e.type === 'instance' ? e.instance?.health : null));
    expect(healths).toContain('starting');
    expect(healths).toContain('ready');

    const stopped = await (await action(s, 'life', 'stop')).json();
    expect(stopped).toMatchObject({ status: 'stopped', health: 'stopped' });
    expect(isAlive(started.pid)).toBe(false);

    const logs = await (await s.api('/api/v1/instances/life/logs')).text();
    expect(logs).toMatch(/=== Instance life started at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d ===/);
    expect(logs).toContain('fake-backend: listening on');
    expect(logs).toMatch(/=== Instance life stopped at /);
    const last2 = await (await s.api('/api/v1/instances/life/logs?lines=2')).text();
    expect(last2.split('\n')).toHaveLength(2);
    expect((await s.api('/api/v1/instances/life/logs?lines=abc')).status).toBe(400);
  });

  it('reports unhealthy when a ready backend stops answering its health check, while staying running', async () => {
    await createInstance(s, 'sick', { environment: { FAKE_UNHEALTHY_AFTER_MS: '200' } });
    await action(s, 'sick', 'start');
    await expect
      .poll(
        () =>
          events.some(
            (e) => e.type === 'instance' && e.name === 'sick' && e.instance?.health === 'ready',
          ),
        { timeout: 10_000 },
      )
      .toBe(true);
    await expect
      .poll(async () => (await getInstance(s, 'sick')).health, { timeout: 15_000 })
      .toBe('unhealthy');
    expect((await getInstance(s, 'sick')).status).toBe('running');
    await action(s, 'sick', 'stop');
  }, 30_000);

  it.each([
    ['vllm', { model: 'org/model-7b', tensor_parallel_size: 1 }],
    ['mlx_lm', { model: 'mlx-community/tiny' }],
  ])('supervises a %s instance the same way', async (backendType, backendOptions) => {
    const n = `be-${backendType.replace('_', '-')}`;
    await createInstance(s, n, { backend_type: backendType, backend_options: backendOptions });
    await action(s, n, 'start');
    await expect
      .poll(async () => (await getInstance(s, n)).health, { timeout: 10_000 })
      .toBe('ready');
    const { host, port } = s.services.instances.target(n);
    const state = await (await fetch(`http://${host}:${port}/fake/state`)).json();
    expect(state.argv).toContain(String(port));
    expect(state.argv).toContain(backendOptions.model);
    expect((await (await action(s, n, 'stop')).json()).status).toBe('stopped');
  });

  it('passes a hostile value as one literal argv entry, never through a shell', async () => {
    const hostile = modelFile('x; touch pwned');
    await createInstance(s, 'argv', {
      backend_options: { model: hostile, alias: '$(id)' },
    });
    await action(s, 'argv', 'start');
    await expect
      .poll(async () => (await getInstance(s, 'argv')).health, { timeout: 10_000 })
      .toBe('ready');
    const { host, port } = s.services.instances.target('argv');
    const state = await (await fetch(`http://${host}:${port}/fake/state`)).json();
    expect(state.argv).toContain(hostile);
    expect(state.argv).toContain('$(id)');
    expect(state.argv[state.argv.indexOf(hostile) - 1]).toMatch(/^--model$|^-m$/);
    await action(s, 'argv', 'stop');
  });

  it('restarts a crashing backend and ends failed after exactly 1 + max_restarts starts', async () => {
    await createInstance(s, 'crashy', {
      max_restarts: 2,
      restart_delay: 0,
      environment: { FAKE_CRASH_AFTER_MS: '100', FAKE_EXIT_CODE: '3' },
    });
    await action(s, 'crashy', 'start');
    await expect
      .poll(async () => (await getInstance(s, 'crashy')).status, { timeout: 20_000 })
      .toBe('failed');
    const inst = await getInstance(s, 'crashy');
    expect(inst.health).toBe('failed');
    expect(inst.last_exit?.code).toBe(3);
    const logs = readFileSync(s.services.instances.logFile('crashy'), 'utf8');
    expect(logs.match(/=== Instance crashy started at/g)).toHaveLength(3);
    expect(logs).toContain('fake-backend: crashing with exit code 3');
    const restarts = events.filter(
      (e) => e.type === 'instance' && e.name === 'crashy' && e.change === 'restart',
    );
    expect(restarts).toHaveLength(2);
  });

  it('kills a backend that ignores SIGTERM, with its whole process group', async () => {
    await createInstance(s, 'stubborn', {
      environment: { FAKE_IGNORE_SIGTERM: '1', FAKE_SPAWN_CHILD: '1' },
    });
    const started = await (await action(s, 'stubborn', 'start')).json();
    await expect
      .poll(() => readFileSync(s.services.instances.logFile('stubborn'), 'utf8'), {
        timeout: 10_000,
      })
      .toMatch(/grandchild pid (\d+)/);
    const grandchild = Number(
      /grandchild pid (\d+)/.exec(
        readFileSync(s.services.instances.logFile('stubborn'), 'utf8'),
      )![1],
    );
    expect(isAlive(grandchild)).toBe(true);
    const res = await action(s, 'stubborn', 'stop');
    expect(res.status).toBe(200);
    expect((await res.json()).status).toBe('stopped');
    expect(isAlive(started.pid)).toBe(false);
    await expect.poll(() => isAlive(grandchild)).toBe(false);
    expect(readFileSync(s.services.instances.logFile('stubborn'), 'utf8')).toContain(
      'ignoring SIGTERM',
    );
  }, 30_000);

  it('reports a missing executable as a start failure, not as max_instances_reached', async () => {
    await createInstance(s, 'nobin', { command_override: '/nonexistent/llama-server' });
    const res = await action(s, 'nobin', 'start');
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body.error).toBe('start_failed');
    expect(body.details).toContain('executable not found');
    // a configuration error: failed at once, one start in the log, no automatic restart
    expect((await getInstance(s, 'nobin')).status).toBe('failed');
  });

  it('keeps the port on an update without a port and restarts a running instance', async () => {
    const created = await createInstance(s, 'upd', {});
    const port = created.options.backend_options.port;
    await action(s, 'upd', 'start');
    const before = (await getInstance(s, 'upd')).pid;
    const res = await s.api('/api/v1/instances/upd', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        backend_type: 'llama_cpp',
        command_override: FAKE_BACKEND,
        backend_options: { ctx_size: 2048 },
      }),
    });
    expect(res.status).toBe(200);
    const updated = await res.json();
    expect(updated.options.backend_options.port).toBe(port);
    expect(updated.options.backend_options.ctx_size).toBe(2048);
    expect(updated.status).toBe('running');
    expect(updated.pid).not.toBe(before);
    expect(isAlive(before!)).toBe(false);
    await action(s, 'upd', 'stop');
  });

  it('refuses to delete a running instance and deletes a stopped one', async () => {
    await createInstance(s, 'del', {});
    await action(s, 'del', 'start');
    const refused = await s.api('/api/v1/instances/del', { method: 'DELETE' });
    expect(refused.status).toBe(409);
    await action(s, 'del', 'stop');
    const ok = await s.api('/api/v1/instances/del', { method: 'DELETE' });
    expect(ok.status).toBe(204);
    expect((await s.api('/api/v1/instances/del')).status).toBe(404);
  });

  it('can stop and delete an instance that waits for an automatic restart', async () => {
    await createInstance(s, 'waiting', {
      restart_delay: 3600,
      environment: { FAKE_CRASH_AFTER_MS: '50' },
    });
    await action(s, 'waiting', 'start');
    await expect
      .poll(async () => (await getInstance(s, 'waiting')).status, { timeout: 10_000 })
      .toBe('restarting');
    const stopped = await (await action(s, 'waiting', 'stop')).json();
    expect(stopped.status).toBe('stopped');
    await createInstance(s, 'waiting2', {
      restart_delay: 3600,
      environment: { FAKE_CRASH_AFTER_MS: '50' },
    });
    await action(s, 'waiting2', 'start');
    await expect
      .poll(async () => (await getInstance(s, 'waiting2')).status, { timeout: 10_000 })
      .toBe('restarting');
    expect((await s.api('/api/v1/instances/waiting2', { method: 'DELETE' })).status).toBe(204);
  });
});
