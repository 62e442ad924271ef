import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerEvent } from '../../shared/api/events';
import type { AppError } from '../../shared/errors';
import { startTestServer, type TestServer, type TestServerOptions } from '../testing/test-server';
import {
  action,
  createInstance,
  getInstance,
  isAlive,
  modelFile,
  testPortRange,
} from './test-helpers';
import { ManualTimers } from './timers';

// Regression tests of supervision bugs (issue 14), each against real child processes.

let s: TestServer | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

async function server(
  slot: number,
  config: Record<string, unknown> = {},
  instanceTuning?: TestServerOptions['instanceTuning'],
): Promise<TestServer> {
  const { instances, ...rest } = config as { instances?: Record<string, unknown> };
  s = await startTestServer({
    config: { instances: { port_range: testPortRange(slot), ...instances }, ...rest },
    instanceTuning,
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
    expect((await getInstance(srv, 'nul')).status).toBe('failed');

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

describe('configuration errors', () => {
  it('fails the start of a missing model file at once, naming the path, with no restart', async () => {
    const srv = await server(53);
    await createInstance(srv, 'nomodel', {
      backend_options: { model: '/nonexistent/dir/model.gguf' },
      max_restarts: 3,
      restart_delay: 0,
    });
    const res = await action(srv, 'nomodel', 'start');
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body.error).toBe('start_failed');
    expect(body.details).toContain('model file not found: /nonexistent/dir/model.gguf');
    const inst = await getInstance(srv, 'nomodel');
    expect(inst).toMatchObject({ status: 'failed', restarts: 0 });
    expect(inst.pid).toBeUndefined();
    expect(startsIn(srv, 'nomodel')).toBe(1);
  });
});

describe('database failures', () => {
  it('logs and shows a failed write when a backend exits, and keeps supervising', async () => {
    const srv = await server(54);
    await createInstance(srv, 'dbfail', { restart_delay: 0, max_restarts: 2 });
    await action(srv, 'dbfail', 'start');
    await expect
      .poll(async () => (await getInstance(srv, 'dbfail')).health, { timeout: 10_000 })
      .toBe('ready');
    const { pid } = await getInstance(srv, 'dbfail');
    // every write the exit handler makes fails, as on a full disk or a locked database
    srv.services.db.exec(`
      CREATE TRIGGER no_status BEFORE UPDATE ON instances BEGIN SELECT RAISE(FAIL, 'disk I/O error'); END;
      CREATE TRIGGER no_forget BEFORE DELETE ON instance_processes BEGIN SELECT RAISE(FAIL, 'disk I/O error'); END;
    `);
    process.kill(pid!, 'SIGKILL');
    await expect
      .poll(async () => (await getInstance(srv, 'dbfail')).store_error, { timeout: 10_000 })
      .toContain('disk I/O error');
    // the automatic restart still happens, its status kept in memory ...
    await expect
      .poll(async () => (await getInstance(srv, 'dbfail')).health, { timeout: 10_000 })
      .toBe('ready');
    expect(isAlive(pid!)).toBe(false);
    expect((await getInstance(srv, 'dbfail')).restarts).toBe(1);
    // ... and the next good write clears the error
    srv.services.db.exec('DROP TRIGGER no_status; DROP TRIGGER no_forget;');
    expect((await action(srv, 'dbfail', 'stop')).status).toBe(200);
    const stopped = await getInstance(srv, 'dbfail');
    expect(stopped.status).toBe('stopped');
    expect(stopped.store_error).toBeUndefined();
  });
});

describe('idle timeout', () => {
  it('stops an instance at its own idle deadline, counted from the end of its last request, whatever timeout_check_interval says', async () => {
    const timers = new ManualTimers();
    const srv = await server(55, { instances: { timeout_check_interval: 5 } }, { timers });
    await createInstance(srv, 'idler', { idle_timeout: 1 });
    await action(srv, 'idler', 'start');
    await expect
      .poll(async () => (await getInstance(srv, 'idler')).health, { timeout: 10_000 })
      .toBe('ready');
    expect(timers.deadlines()).toEqual([60_000]);

    timers.advance(30_000);
    const end = srv.services.instances.beginRequest('idler');
    // no deadline while a request is in flight, however long it takes
    expect(timers.deadlines()).toEqual([]);
    timers.advance(120_000);
    end();
    expect(timers.deadlines()).toEqual([60_000]);

    timers.advance(59_999);
    expect((await getInstance(srv, 'idler')).status).toBe('running');
    timers.advance(1);
    await expect
      .poll(async () => (await getInstance(srv, 'idler')).status, { timeout: 10_000 })
      .toBe('stopped');
    expect(timers.deadlines()).toEqual([]);
  });
});

describe('failed on-demand start back-off', () => {
  const chat = (srv: TestServer, model: string) =>
    fetch(`${srv.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${srv.mgmtKey}` },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });

  it('answers retries of a failed on-demand start at once, without spawning again, and never holds back an API start', async () => {
    const srv = await server(63, { instances: { failed_start_backoff: 30 } });
    // crashes right after it starts listening, before it is ever ready
    await createInstance(srv, 'broken', {
      max_restarts: 0,
      auto_restart: false,
      environment: { FAKE_HEALTH_503_MS: '60000', FAKE_CRASH_AFTER_MS: '50' },
    });
    const first = await chat(srv, 'broken');
    expect(first.status).toBe(500);
    expect(first.headers.get('x-should-retry')).toBe('false');
    const firstBody = (await first.json()) as { error: { code: string; message: string } };
    expect(firstBody.error.code).toBe('instance_start_failed');
    expect(startsIn(srv, 'broken')).toBe(1);

    // what an SDK's retries look like: the same answer, no new process
    for (let i = 0; i < 3; i++) {
      const again = await chat(srv, 'broken');
      expect(again.status).toBe(500);
      expect(again.headers.get('x-should-retry')).toBe('false');
      expect(((await again.json()) as typeof firstBody).error.message).toBe(
        firstBody.error.message,
      );
    }
    expect(startsIn(srv, 'broken')).toBe(1);

    // the dashboard's and the API's Start are not held back by it
    await action(srv, 'broken', 'start');
    expect(startsIn(srv, 'broken')).toBe(2);
  });

  it('spawns again once the window is over', async () => {
    const srv = await server(63, { instances: { failed_start_backoff: 0 } });
    await createInstance(srv, 'broken', {
      max_restarts: 0,
      auto_restart: false,
      environment: { FAKE_HEALTH_503_MS: '60000', FAKE_CRASH_AFTER_MS: '50' },
    });
    expect((await chat(srv, 'broken')).status).toBe(500);
    expect((await chat(srv, 'broken')).status).toBe(500);
    expect(startsIn(srv, 'broken')).toBe(2);
  });
});

describe('Retry-After during a cold start', () => {
  it('is the expected remaining load time, from the last measured load speed and the model size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llamactl-load-'));
    try {
      const sized = (name: string, bytes: number) => {
        const path = join(dir, name);
        writeFileSync(path, '');
        truncateSync(path, bytes); // sparse: only the size matters to the estimate
        return path;
      };
      const srv = await server(64, { instances: { on_demand_start_timeout: 1 } });
      // measured: 10 MB ready after about a second
      await createInstance(srv, 'quick', {
        backend_options: { model: sized('quick.gguf', 10e6) },
        environment: { FAKE_HEALTH_503_MS: '1000' },
      });
      await action(srv, 'quick', 'start');
      await expect
        .poll(async () => (await getInstance(srv, 'quick')).health, { timeout: 15_000 })
        .toBe('ready');
      // 300 MB at that speed: about 30 s more than the 1 s the request waits
      await createInstance(srv, 'big', {
        backend_options: { model: sized('big.gguf', 300e6) },
        environment: { FAKE_HEALTH_503_MS: '600000' },
      });
      const res = await fetch(`${srv.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${srv.mgmtKey}` },
        body: JSON.stringify({ model: 'big', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'instance_start_timeout',
      );
      const retryAfter = Number(res.headers.get('retry-after'));
      // the wait alone would say 1; the estimate says tens of seconds (loose bounds: the
      // measured start includes health polling on a busy machine)
      expect(retryAfter).toBeGreaterThanOrEqual(10);
      expect(retryAfter).toBeLessThan(600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the reason of a failed start (last_error)', () => {
  it('names a configuration error, is sent with the failed state, and is cleared by the next start', async () => {
    const srv = await server(56);
    const events: ServerEvent[] = [];
    srv.services.events.subscribe((e) => events.push(e));
    await createInstance(srv, 'nofile', { backend_options: { model: '/nonexistent/m.gguf' } });
    expect((await getInstance(srv, 'nofile')).last_error).toBeNull();
    expect((await action(srv, 'nofile', 'start')).status).toBe(500);
    const failed = await getInstance(srv, 'nofile');
    expect(failed.status).toBe('failed');
    expect(failed.last_error?.message).toBe('model file not found: /nonexistent/m.gguf');
    expect(failed.last_error?.at).toBeGreaterThan(0);
    const sent = events.filter((e) => e.type === 'instance' && e.name === 'nofile').at(-1);
    expect(sent?.type === 'instance' && sent.instance).toMatchObject({
      status: 'failed',
      last_error: { message: 'model file not found: /nonexistent/m.gguf' },
    });

    const put = await srv.api('/api/v1/instances/nofile', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        backend_type: 'llama_cpp',
        command_override: failed.options.command_override,
        backend_options: { model: modelFile('ok.gguf') },
      }),
    });
    expect(put.status).toBe(200);
    // editing does not start it: the reason stays until the next start
    expect((await getInstance(srv, 'nofile')).last_error?.message).toContain('model file');
    const started = await (await action(srv, 'nofile', 'start')).json();
    expect(started).toMatchObject({ status: 'running', last_error: null });
  });

  it('says how a backend that dies while starting ended, with its own last words', async () => {
    const srv = await server(57);
    await createInstance(srv, 'dies', {
      auto_restart: false,
      environment: { FAKE_HEALTH_503_MS: '60000', FAKE_CRASH_AFTER_MS: '50', FAKE_EXIT_CODE: '3' },
    });
    await action(srv, 'dies', 'start');
    await expect
      .poll(async () => (await getInstance(srv, 'dies')).status, { timeout: 10_000 })
      .toBe('failed');
    expect((await getInstance(srv, 'dies')).last_error?.message).toBe(
      'exited with code 3: fake-backend: crashing with exit code 3',
    );
  });

  it('names a start refused by a limit without changing the state', async () => {
    const srv = await server(58, {
      instances: { max_running_instances: 1, enable_lru_eviction: false },
    });
    await createInstance(srv, 'first', {});
    await createInstance(srv, 'second', {});
    expect((await action(srv, 'first', 'start')).status).toBe(200);
    expect((await action(srv, 'second', 'start')).status).toBe(409);
    const second = await getInstance(srv, 'second');
    expect(second.status).toBe('stopped');
    expect(second.last_error?.message).toMatch(/max_running_instances|maximum/i);
    await action(srv, 'first', 'stop');
  });
});
