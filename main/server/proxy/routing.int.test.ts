import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import type { Instance } from '../../../shared/api/instances';
import {
  createInstance,
  getInstance,
  modelFile,
  testPortRange,
} from '../../instances/test-helpers';
import { startTestServer, type TestServer } from '../../testing/test-server';

const PROBE_BACKEND = fileURLToPath(
  new URL('../../../e2e/fixtures/probe-backend.mjs', import.meta.url),
);
const JSON_HEADERS = { 'Content-Type': 'application/json' };
const ALPHA_MODEL = modelFile('alpha.gguf');
const PROBE_MODEL = modelFile('probe-model');

async function createKey(s: TestServer, body: Record<string, unknown>): Promise<string> {
  const res = await s.api('/api/v1/auth/keys', {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`create key: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { key: string }).key;
}

async function start(s: TestServer, name: string): Promise<Instance> {
  const res = await s.api(`/api/v1/instances/${name}/start`, { method: 'POST' });
  if (res.status !== 200) throw new Error(`start ${name}: ${res.status} ${await res.text()}`);
  return vi.waitFor(
    async () => {
      const inst = await getInstance(s, name);
      if (inst.health !== 'ready') throw new Error(`${name} is ${inst.health}`);
      return inst;
    },
    { timeout: 15_000, interval: 50 },
  );
}

function chat(
  s: TestServer,
  key: string,
  body: Record<string, unknown>,
  path = '/v1/chat/completions',
) {
  return fetch(s.url + path, {
    method: 'POST',
    headers: { ...JSON_HEADERS, Authorization: `Bearer ${key}` },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
}

function startsIn(s: TestServer, name: string): number {
  const log = readFileSync(s.services.instances.logFile(name), 'utf8');
  return (log.match(new RegExp(`=== Instance ${name} started at`, 'g')) ?? []).length;
}

/** Reads a streamed response body chunk by chunk, as the client's socket delivered it. */
async function readChunks(res: Response): Promise<string[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const chunks: string[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(decoder.decode(value, { stream: true }));
  }
}

describe('routing through the real server', () => {
  let s: TestServer;
  let alpha: Instance;
  let alphaKey: string;

  beforeAll(async () => {
    s = await startTestServer({
      config: {
        server: { max_body_bytes: 64 * 1024 },
        instances: { port_range: testPortRange(41), on_demand_start_timeout: 20 },
        backends: { 'llama-cpp': { response_headers: { 'X-Served-Through': 'llamactl' } } },
      },
    });
    await createInstance(s, 'alpha', { backend_options: { model: ALPHA_MODEL } });
    await createInstance(s, 'router', { environment: { FAKE_MODELS: 'm1,m2' } });
    await createInstance(s, 'probe', {
      command_override: `node ${PROBE_BACKEND}`,
      backend_options: { model: PROBE_MODEL },
    });
    await createInstance(s, 'cold', {
      backend_options: { model: modelFile('cold.gguf') },
      environment: { FAKE_HEALTH_503_MS: '300' },
    });
    await createInstance(s, 'manual', { on_demand_start: false });
    await createInstance(s, 'broken', {
      auto_restart: false,
      backend_options: { api_key: 'backend-secret-in-argv' },
      environment: { FAKE_CRASH_AFTER_MS: '0', FAKE_EXIT_CODE: '7' },
    });
    await createInstance(s, 'slowstream', { environment: { FAKE_STREAM_DELAY_MS: '60' } });
    alpha = await start(s, 'alpha');
    await start(s, 'router');
    await start(s, 'probe');
    alphaKey = await createKey(s, {
      name: 'alpha-only',
      permission_mode: 'per_instance',
      instance_ids: [alpha.id],
    });
  });
  afterAll(async () => {
    await s?.close();
  });

  describe('POST /v1/*', () => {
    it("routes by instance name, rewrites the model to the backend's configured model and answers with the instance name", async () => {
      const res = await chat(s, s.mgmtKey, { model: 'alpha' });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-fake-port')).toBe(String(alpha.options.backend_options.port));
      const body = (await res.json()) as {
        model: string;
        choices: Array<{ message: { content: string } }>;
      };
      // the backend received the configured model ...
      expect(body.choices[0]!.message.content).toContain(`fake reply from ${ALPHA_MODEL}`);
      // ... and, started with --alias alpha, names the model the client asked for, not a path
      expect(body.model).toBe('alpha');
    });

    it('routes instance/model to a router-mode instance and forwards only the model part', async () => {
      const res = await chat(s, s.mgmtKey, { model: 'router/m1' }, '/v1/completions');
      expect(res.status).toBe(200);
      expect(((await res.json()) as { model: string }).model).toBe('m1');
    });

    it.each([
      '/v1/embeddings',
      '/v1/rerank',
      '/v1/responses',
      '/v1/messages',
      '/v1/messages/count_tokens',
    ])('forwards %s with its path unchanged', async (path) => {
      const res = await chat(s, s.mgmtKey, { model: 'probe' }, path);
      // The probe backend answers unknown paths with a 404 naming the path: proof it arrived as is.
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
        `File Not Found: ${path}`,
      );
    });

    it("answers an unknown model with a 404 in OpenAI's shape naming it", async () => {
      const res = await chat(s, s.mgmtKey, { model: 'gpt-4o' });
      expect(res.status).toBe(404);
      expect(res.headers.get('vary')).toBe('Origin');
      const body = (await res.json()) as { error: { message: string; type: string; code: string } };
      expect(body.error.code).toBe('model_not_found');
      expect(body.error.message).toContain("'gpt-4o'");
    });

    it('rejects a missing model and a non-JSON body with 400, and a body over server.max_body_bytes with 413', async () => {
      expect((await chat(s, s.mgmtKey, {})).status).toBe(400);
      const notJson = await fetch(`${s.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${s.mgmtKey}` },
        body: 'model=alpha',
      });
      expect(notJson.status).toBe(400);
      const big = await chat(s, s.mgmtKey, { model: 'alpha', pad: 'x'.repeat(70 * 1024) });
      expect(big.status).toBe(413);
      expect(((await big.json()) as { error: { message: string } }).error.message).toContain(
        'max_body_bytes',
      );
    });

    it("sends the body byte for byte except the model, and never the client's key", async () => {
      const raw = '{ "seed": 12345678901234567890, "model":"probe" ,"z":[1.50]}';
      const res = await fetch(`${s.url}/v1/probe/echo?api_key=${alphaKey}&keep=1`, {
        method: 'POST',
        headers: { ...JSON_HEADERS, 'X-API-Key': s.mgmtKey, Connection: 'keep-alive' },
        body: raw,
      });
      expect(res.status).toBe(200);
      const echo = (await res.json()) as {
        url: string;
        headers: Record<string, string>;
        body: string;
      };
      expect(echo.body).toBe(
        `{ "seed": 12345678901234567890, "model":${JSON.stringify(PROBE_MODEL)} ,"z":[1.50]}`,
      );
      expect(echo.headers['x-api-key']).toBeUndefined();
      expect(echo.headers.authorization).toBeUndefined();
      expect(echo.url).toBe('/v1/probe/echo?keep=1');
      expect(echo.headers['x-forwarded-for']).toBeDefined();
      expect(echo.headers['content-length']).toBe(String(Buffer.byteLength(echo.body)));
      // The backend's CORS headers are gone, the configured response header is set.
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      expect(res.headers.get('x-served-through')).toBe('llamactl');
      expect(res.headers.get('x-probe')).toBe('echo');
      // The response depends on the Origin header (CORS), also when the request had none.
      expect(res.headers.get('vary')).toBe('Origin');
    });
  });

  it('passes a large response that arrives in many chunks through intact, with its Content-Length', async () => {
    // The echo answers with the whole body: well over one socket read, framed by Content-Length.
    const pad = 'abcdefghij'.repeat(6 * 1024);
    const res = await fetch(`${s.url}/v1/probe/echo`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, Authorization: `Bearer ${s.mgmtKey}` },
      body: JSON.stringify({ model: 'probe', pad }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect((JSON.parse(text) as { body: string }).body).toBe(
      JSON.stringify({ model: PROBE_MODEL, pad }),
    );
  });

  describe('permissions', () => {
    it('lets a key limited to one instance use it but not reach another (403) on every inference route', async () => {
      expect((await chat(s, alphaKey, { model: 'alpha' })).status).toBe(200);
      const denied = await chat(s, alphaKey, { model: 'router/m1' });
      expect(denied.status).toBe(403);
      const body = (await denied.json()) as { error: { type: string; code: string } };
      expect(body.error).toMatchObject({
        type: 'invalid_request_error',
        code: 'permission_denied',
      });
      const auth = { Authorization: `Bearer ${alphaKey}` };
      expect((await fetch(`${s.url}/llama-cpp/alpha/props`, { headers: auth })).status).toBe(200);
      expect((await fetch(`${s.url}/llama-cpp/router/props`, { headers: auth })).status).toBe(403);
    });

    it('answers 401 without a key or with a wrong one', async () => {
      expect((await fetch(`${s.url}/v1/models`)).status).toBe(401);
      expect((await chat(s, 'llamactl-wrong', { model: 'alpha' })).status).toBe(401);
      expect((await fetch(`${s.url}/llama-cpp/alpha/props`)).status).toBe(401);
    });
  });

  describe('GET /v1/models', () => {
    it("lists every single-model instance for a management key, and a router-mode instance's models but not its bare name", async () => {
      const res = await fetch(`${s.url}/v1/models`, {
        headers: { Authorization: `Bearer ${s.mgmtKey}` },
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        object: string;
        data: Array<{ id: string; owned_by: string }>;
      };
      expect(body.object).toBe('list');
      const ids = body.data.map((m) => m.id);
      expect(ids).toEqual(expect.arrayContaining(['alpha', 'router/m1', 'router/m2', 'cold']));
      // `router` alone answers 400 (a router-mode instance needs instance/model); llamactl
      // does not list it. `manual` has no model either: a router-mode instance, stopped.
      expect(ids).not.toContain('router');
      expect(ids).not.toContain('manual');
      expect(ids.filter((id) => id.startsWith('alpha'))).toEqual(['alpha']);
      expect(body.data.find((m) => m.id === 'router/m1')?.owned_by).toBe('router');
    });

    it('lists only the instances a per-instance key may use', async () => {
      const res = await fetch(`${s.url}/v1/models`, {
        headers: { Authorization: `Bearer ${alphaKey}` },
      });
      const body = (await res.json()) as { data: Array<{ id: string }> };
      expect(body.data.map((m) => m.id)).toEqual(['alpha']);
    });

    it('answers data: [] (not null) when the key may use none of the instances', async () => {
      const temp = await createInstance(s, 'temp', { backend_options: { model: 'temp.gguf' } });
      const key = await createKey(s, {
        name: 'temp-only',
        permission_mode: 'per_instance',
        instance_ids: [temp.id],
      });
      const before = await fetch(`${s.url}/v1/models`, {
        headers: { Authorization: `Bearer ${key}` },
      });
      expect(
        ((await before.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id),
      ).toEqual(['temp']);
      expect((await s.api('/api/v1/instances/temp', { method: 'DELETE' })).status).toBe(204);
      const after = await fetch(`${s.url}/v1/models`, {
        headers: { Authorization: `Bearer ${key}` },
      });
      expect(await after.json()).toEqual({ object: 'list', data: [] });
    });
  });

  describe('on-demand start', () => {
    it('starts a stopped instance once for 20 concurrent requests and serves them all', async () => {
      expect((await getInstance(s, 'cold')).status).toBe('stopped');
      const results = await Promise.all(
        Array.from({ length: 20 }, () => chat(s, s.mgmtKey, { model: 'cold' })),
      );
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
      expect(startsIn(s, 'cold')).toBe(1);
      expect((await getInstance(s, 'cold')).health).toBe('ready');
    });

    it('refuses an instance without on_demand_start with 503 instance_not_running', async () => {
      const res = await chat(s, s.mgmtKey, { model: 'manual' });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'instance_not_running',
      );
    });

    it('tells an inference client why a start failed, without the log tail', async () => {
      const key = await createKey(s, { name: 'all-inference', permission_mode: 'allow_all' });
      const res = await chat(s, key, { model: 'broken' });
      expect(res.status).toBe(500);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('instance_start_failed');
      expect(body.error.message).toContain('exited with code 7');
      // The backend prints its argv (the fake does, as many do), so the tail can hold secrets.
      expect(body.error.message).not.toContain('last log lines');
      expect(body.error.message).not.toContain('backend-secret-in-argv');
    });

    it('gives a management client the log tail of a start that failed', async () => {
      const res = await s.api('/api/v1/llama-cpp/broken/models');
      expect(res.status).toBe(500);
      const body = (await res.json()) as { error: string; details: string };
      expect(body.error).toBe('instance_start_failed');
      expect(body.details).toContain('crashing with exit code 7');
      expect(body.details).toContain('--- last log lines ---');
      expect(body.details).toContain('fake-backend: argv');
      expect(body.details).toMatch(/\ncommand: \S+ --port \d+ --api-key \[redacted\]\n/);
    });
  });

  describe('streaming', () => {
    it('delivers each server-sent event as the backend writes it, not coalesced', async () => {
      const res = await chat(s, s.mgmtKey, { model: 'slowstream', stream: true });
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const chunks = await readChunks(res);
      const events = chunks.join('').split('\n\n').filter(Boolean);
      expect(events.at(-1)).toBe('data: [DONE]');
      // The fake backend writes one event per 60 ms; a buffering proxy would hand over several at once.
      expect(chunks.length).toBeGreaterThanOrEqual(events.length - 1);
      for (const c of chunks.slice(0, -1)) expect(c.split('\n\n').filter(Boolean)).toHaveLength(1);
    });

    it('keeps 64 concurrent streams intact and unmixed', async () => {
      const n = 64;
      const results = await Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const res = await chat(s, s.mgmtKey, {
            model: 'probe',
            stream: true,
            user: `client-${i}`,
            n_chunks: 20,
            chunk_gap_ms: 2,
          });
          const text = (await readChunks(res)).join('');
          const events = text.split('\n\n').filter(Boolean);
          expect(events.pop()).toBe('data: [DONE]');
          return events.map(
            (e) => JSON.parse(e.slice('data: '.length)) as { tag: string; seq: number },
          );
        }),
      );
      results.forEach((events, i) => {
        expect(events.map((e) => e.tag)).toEqual(Array(20).fill(`client-${i}`));
        expect(events.map((e) => e.seq)).toEqual([...Array(20).keys()]);
      });
    });

    it('aborts the upstream request when the client disconnects mid-stream', async () => {
      const aborted = async () =>
        (
          (await (await s.api('/api/v1/instances/probe/proxy/probe/stats')).json()) as {
            aborted: number;
          }
        ).aborted;
      const before = await aborted();
      const ac = new AbortController();
      const res = await fetch(`${s.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...JSON_HEADERS, Authorization: `Bearer ${s.mgmtKey}` },
        body: JSON.stringify({ model: 'probe', stream: true, n_chunks: 100_000, chunk_gap_ms: 20 }),
        signal: ac.signal,
      });
      const reader = res.body!.getReader();
      await reader.read();
      ac.abort();
      await expect.poll(aborted, { timeout: 10_000 }).toBe(before + 1);
      await expect.poll(() => s.services.instances.get('probe').in_flight ?? 0).toBe(0);
    });
  });

  describe('/llama-cpp/{name}/', () => {
    it('proxies the listed llama-server routes with the prefix removed', async () => {
      const auth = { Authorization: `Bearer ${s.mgmtKey}` };
      const props = await fetch(`${s.url}/llama-cpp/alpha/props`, { headers: auth });
      expect(props.status).toBe(200);
      expect(((await props.json()) as { model_path: string }).model_path).toBe(ALPHA_MODEL);
      const models = await fetch(`${s.url}/llama-cpp/alpha/v1/models`, { headers: auth });
      // llama-server lists its --alias, the instance name
      expect(((await models.json()) as { data: Array<{ id: string }> }).data[0].id).toBe('alpha');
      expect((await fetch(`${s.url}/llama-cpp/alpha/health`, { headers: auth })).status).toBe(200);
      expect((await fetch(`${s.url}/llama-cpp/alpha/completion`, { headers: auth })).status).toBe(
        405,
      );
      expect((await fetch(`${s.url}/llama-cpp/alpha/not-a-route`, { headers: auth })).status).toBe(
        404,
      );
      expect((await fetch(`${s.url}/llama-cpp/nope/props`, { headers: auth })).status).toBe(404);
    });

    it('serves the web UI without a key and without starting a stopped instance', async () => {
      const ui = await fetch(`${s.url}/llama-cpp/alpha/`);
      // The fake backend has no UI page; its own 404 proves the request got through unauthenticated.
      expect(ui.headers.get('x-fake-port')).toBe(String(alpha.options.backend_options.port));
      const redirect = await fetch(`${s.url}/llama-cpp/alpha`, { redirect: 'manual' });
      expect(redirect.status).toBe(308);
      expect(redirect.headers.get('location')).toBe('/llama-cpp/alpha/');
      const stopped = await fetch(`${s.url}/llama-cpp/manual/`);
      expect(stopped.status).toBe(400);
      expect((await getInstance(s, 'manual')).status).toBe('stopped');
    });
  });

  describe('management proxies', () => {
    it('streams any method and body to a running instance with the prefix removed', async () => {
      const res = await s.api('/api/v1/instances/probe/proxy/probe/echo?x=1', {
        method: 'PUT',
        headers: JSON_HEADERS,
        body: '{"n": 12345678901234567890}',
      });
      expect(res.status).toBe(200);
      const echo = (await res.json()) as {
        method: string;
        url: string;
        body: string;
        headers: Record<string, string>;
      };
      expect(echo).toMatchObject({
        method: 'PUT',
        url: '/probe/echo?x=1',
        body: '{"n": 12345678901234567890}',
      });
      expect(echo.headers.authorization).toBeUndefined();
      expect(echo.headers['x-forwarded-host']).toBe(new URL(s.url).host);
    });

    it('answers 503 instance_not_running for a stopped instance and does not start it', async () => {
      const res = await s.api('/api/v1/instances/manual/proxy/health');
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        error: 'instance_not_running',
        details: 'Instance is not running',
      });
      expect((await s.api('/api/v1/instances/nope/proxy/health')).status).toBe(404);
    });

    it('manages router-mode models with the model taken from the path', async () => {
      const list = await s.api('/api/v1/llama-cpp/router/models');
      expect(
        ((await list.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id),
      ).toEqual(['m1', 'm2']);
      const load = await s.api('/api/v1/llama-cpp/router/models/m2/load', { method: 'POST' });
      expect(await load.json()).toEqual({ success: true });
      const after = (await (await s.api('/api/v1/llama-cpp/router/models')).json()) as {
        data: Array<{ id: string; status: { value: string } }>;
      };
      expect(after.data.find((m) => m.id === 'm2')?.status.value).toBe('loaded');
      const unload = await s.api('/api/v1/llama-cpp/router/models/m2/unload', {
        method: 'POST',
        headers: JSON_HEADERS,
        body: '{}',
      });
      expect(unload.status).toBe(200);
      await createInstance(s, 'vl', { backend_type: 'vllm', backend_options: { model: 'org/m' } });
      const notLlama = await s.api('/api/v1/llama-cpp/vl/models');
      expect(notLlama.status).toBe(400);
      expect(((await notLlama.json()) as { details: string }).details).toContain(
        'not a llama.cpp server',
      );
      expect((await getInstance(s, 'vl')).status).toBe('stopped');
    });

    it('needs the management key', async () => {
      const res = await fetch(`${s.url}/api/v1/instances/probe/proxy/health`, {
        headers: { Authorization: `Bearer ${alphaKey}` },
      });
      expect(res.status).toBe(401);
    });
  });

  describe('a backend that refuses the connection', () => {
    it('gives 502 with a JSON body', async () => {
      await createInstance(s, 'gone', { command_override: `node ${PROBE_BACKEND}` });
      await start(s, 'gone');
      expect(
        (await s.api('/api/v1/instances/gone/proxy/probe/stop-listening', { method: 'POST' }))
          .status,
      ).toBe(200);
      const res = await chat(s, s.mgmtKey, { model: 'gone' });
      expect(res.status).toBe(502);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('bad_gateway');
      expect(body.error.message).toContain('gone');
    });
  });

  describe('the official openai client with a per-instance key', () => {
    it('lists models, chats and streams', async () => {
      const client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: alphaKey });
      const models = [];
      for await (const m of client.models.list()) models.push(m.id);
      expect(models).toEqual(['alpha']);
      expect((await client.models.retrieve('alpha')).id).toBe('alpha');
      await expect(client.models.retrieve('router')).rejects.toMatchObject({ status: 404 });
      const reply = await client.chat.completions.create({
        model: 'alpha',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(reply.choices[0].message.content).toContain(`fake reply from ${ALPHA_MODEL}`);
      const stream = await client.chat.completions.create({
        model: 'alpha',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      expect(text).toBe(reply.choices[0].message.content);
      await expect(
        client.chat.completions.create({ model: 'router/m1', messages: [] }),
      ).rejects.toMatchObject({ status: 403 });
    });
  });
});

describe('on-demand start timeout', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({
      config: { instances: { port_range: testPortRange(42), on_demand_start_timeout: 1 } },
    });
    await createInstance(s, 'sleepy', { environment: { FAKE_HEALTH_503_MS: '60000' } });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('answers 503 with Retry-After and a JSON error when the instance is not ready in time', async () => {
    const res = await chat(s, s.mgmtKey, { model: 'sleepy' });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('instance_start_timeout');
  });
});
