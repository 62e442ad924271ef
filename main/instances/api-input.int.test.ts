import http from 'node:http';
import { startTestServer, type TestServer } from '../testing/test-server';
import { action, createInstance, FAKE_BACKEND, testPortRange } from './test-helpers';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({
    config: { instances: { port_range: testPortRange(40), max_instances: 6 } },
  });
});
afterAll(async () => {
  await s?.close();
});

/** Raw request: fetch would normalise `..` and `%2e%2e` segments away before sending. */
function raw(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: string }> {
  const u = new URL(s.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method,
        path,
        headers: { Authorization: `Bearer ${s.mgmtKey}`, 'Content-Type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const post = (name: string, body: unknown) =>
  s.api(`/api/v1/instances/${name}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('instance API input validation', () => {
  it.each([
    ['a%2Fb', 'invalid characters'],
    ['%2E%2E', 'dots only'],
    ['..', 'dots only'],
    ['with%20space', 'invalid characters'],
    ['x'.repeat(51), 'too long'],
  ])('refuses the instance name %s with 400', async (name, rule) => {
    const res = await raw('POST', `/api/v1/instances/${name}`, { backend_type: 'llama_cpp' });
    expect(res.status).toBe(400);
    const body = JSON.parse(res.body);
    expect(body.error).toBe('invalid_instance_name');
    expect(body.details).toContain(rule);
  });

  it('accepts a name of exactly 50 characters', async () => {
    const res = await post('y'.repeat(50), {
      backend_type: 'llama_cpp',
      command_override: FAKE_BACKEND,
    });
    expect(res.status).toBe(201);
  });

  it('refuses an unknown backend_type, naming the field', async () => {
    const res = await post('bt', { backend_type: 'ollama' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: 'validation_error',
      details: expect.stringContaining('backend_type'),
    });
  });

  it('refuses a missing backend_type', async () => {
    const res = await post('bt2', {});
    expect(res.status).toBe(400);
    expect((await res.json()).details).toContain('backend_type: is required');
  });

  it.each([
    [{ auto_restart: 'yes' }, 'auto_restart'],
    [{ max_restarts: 1.5 }, 'max_restarts'],
    [{ restart_delay: '5' }, 'restart_delay'],
    [{ idle_timeout: 'never' }, 'idle_timeout'],
    [{ environment: { A: 1 } }, 'environment.A'],
    [{ nodes: 'main' }, 'nodes'],
    [{ group: 'a b' }, 'group'],
    [{ backend_options: [] }, 'backend_options'],
    [{ backend_options: { ctx_size: 'big' } }, 'backend_options.ctx_size'],
    [{ backend_options: { ctx_size: -5 } }, 'backend_options.ctx_size: must be ≥ 0'],
    [{ backend_options: { port: 70000 } }, 'backend_options.port: must be between 0 and 65535'],
    [{ idle_timeout: -3 }, 'idle_timeout: must be ≥ 0'],
    [{ max_restarts: -1 }, 'max_restarts: must be ≥ 0'],
    [{ command_override: 'llama-server; rm -rf ~' }, "command_override: shell operator ';'"],
    [{ command_override: 'a | b' }, "command_override: shell operator '|'"],
  ])('answers 400 naming the field for %j', async (extra, field) => {
    const res = await post('typed', { backend_type: 'llama_cpp', ...extra });
    expect(res.status).toBe(400);
    const body = await res.json();
    // the field, or the field with the start of its rule
    expect(body.details.startsWith(field.includes(':') ? field : field + ':')).toBe(true);
    expect((await s.api('/api/v1/instances/typed')).status).toBe(404);
  });

  it('refuses shell operators in command_override on update too, keeping the instance as it was', async () => {
    await createInstance(s, 'shelly', {});
    const res = await s.api('/api/v1/instances/shelly', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ backend_type: 'llama_cpp', command_override: 'x && y' }),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).details).toContain("command_override: shell operator '&&'");
    const kept = await (await s.api('/api/v1/instances/shelly')).json();
    expect(kept.options.command_override).toBe(FAKE_BACKEND);
    expect((await s.api('/api/v1/instances/shelly', { method: 'DELETE' })).status).toBe(204);
  });

  it('answers 404 for an unknown instance on every endpoint', async () => {
    for (const [method, path] of [
      ['GET', ''],
      ['PUT', ''],
      ['DELETE', ''],
      ['POST', '/start'],
      ['POST', '/stop'],
      ['POST', '/restart'],
      ['GET', '/logs'],
    ]) {
      const res = await raw(
        method,
        `/api/v1/instances/ghost${path}`,
        method === 'PUT' ? { backend_type: 'llama_cpp' } : undefined,
      );
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(JSON.parse(res.body).error).toBe('instance_not_found');
    }
  });

  it('answers 409 for a duplicate name and an explicit port that is taken', async () => {
    const first = await createInstance(s, 'dup', {});
    expect((await post('dup', { backend_type: 'llama_cpp' })).status).toBe(409);
    const port = first.options.backend_options.port;
    const res = await post('dup2', { backend_type: 'llama_cpp', backend_options: { port } });
    expect(res.status).toBe(409);
    expect((await res.json()).error).toBe('port_unavailable');
  });

  it('refuses creates beyond max_instances with 409', async () => {
    const have = (await (await s.api('/api/v1/instances')).json()).length as number;
    for (let i = have; i < 6; i++) await createInstance(s, `fill${i}`, {});
    const res = await post('one-too-many', { backend_type: 'llama_cpp' });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({
      error: 'max_instances_reached',
      details: 'maximum number of instances (6) reached',
    });
  });
});

describe('event and log streams', () => {
  it('streams instance changes as server-sent events', async () => {
    const res = await s.api('/api/v1/events');
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const name = (await (await s.api('/api/v1/instances')).json())[0].name as string;
    await action(s, name, 'start');
    await expect
      .poll(
        async () => {
          const { value } = await reader.read();
          text += new TextDecoder().decode(value);
          return text;
        },
        { timeout: 10_000 },
      )
      .toMatch(/event: instance\nid: \d+\ndata: \{[^\n]*"change":"status"/);
    await reader.cancel();
    await action(s, name, 'stop');
  });

  it('follows the log file of an instance', async () => {
    const name = (await (await s.api('/api/v1/instances')).json())[1].name as string;
    const res = await s.api(`/api/v1/instances/${name}/logs/stream?lines=5`);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    await action(s, name, 'start');
    let text = '';
    await expect
      .poll(
        async () => {
          const { value } = await reader.read();
          text += new TextDecoder().decode(value);
          return text;
        },
        { timeout: 10_000 },
      )
      .toContain('fake-backend: listening on');
    expect(text).toMatch(/^data: ".*=== Instance .* started at/m);
    await reader.cancel();
    await action(s, name, 'stop');
  });
});
