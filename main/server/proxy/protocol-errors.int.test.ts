import http from 'node:http';
import {
  createInstance,
  getInstance,
  modelFile,
  testPortRange,
} from '../../instances/test-helpers';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { anthropicErrorType } from './errors';
import {
  ANTHROPIC_STATUS_TYPES,
  AnthropicErrorSchema,
  OpenAIErrorSchema,
} from './fixtures/official-error-shapes';

/**
 * Every error our server produces on the protocol routes, over HTTP, checked against the
 * official shapes (fixtures/official-error-shapes.ts): status, body, headers. One table for
 * OpenAI's routes (/v1/*, /llama-cpp/*), the same table again on Anthropic's /v1/messages.
 */

const REQUEST_ID = /^req_[0-9a-f]{32}$/;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** node:http rather than fetch: Host and Origin are set as given. */
function send(
  s: TestServer,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${s.url}${path}`,
      { method, headers: { 'content-type': 'application/json', ...opts.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

interface Case {
  name: string;
  /** what to send, given the protocol's POST path */
  request: (s: TestServer, path: string, keys: Keys) => Promise<Reply>;
  status: number;
  /** OpenAI's `code` (our error code unless OpenAI has its own, or null) */
  code: string | null;
  param?: string | null;
  headers?: Record<string, string | RegExp>;
}

interface Keys {
  mgmt: string;
  limited: string;
}

const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const post = (s: TestServer, path: string, key: string, body: unknown, headers = {}) =>
  send(s, 'POST', path, {
    headers: { ...auth(key), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const messages = (model: string) => ({
  model,
  max_tokens: 8,
  messages: [{ role: 'user', content: 'hi' }],
});

const CASES: Case[] = [
  {
    name: 'no API key',
    request: (s, path) => send(s, 'POST', path, { body: JSON.stringify(messages('alpha')) }),
    status: 401,
    code: null,
  },
  {
    name: 'a wrong API key',
    request: (s, path) => post(s, path, 'llamactl-wrong', messages('alpha')),
    status: 401,
    code: 'invalid_api_key',
  },
  {
    name: 'an unknown model',
    request: (s, path, k) => post(s, path, k.mgmt, messages('gpt-4o')),
    status: 404,
    code: 'model_not_found',
    param: 'model',
  },
  {
    name: 'no model',
    request: (s, path, k) => post(s, path, k.mgmt, { messages: [] }),
    status: 400,
    code: 'invalid_request',
    param: 'model',
  },
  {
    name: 'a body that is not JSON',
    request: (s, path, k) => post(s, path, k.mgmt, 'model=alpha'),
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'a body over server.max_body_bytes',
    request: (s, path, k) =>
      post(s, path, k.mgmt, { ...messages('alpha'), pad: 'x'.repeat(70_000) }),
    status: 413,
    code: 'payload_too_large',
    headers: { connection: 'close' },
  },
  {
    name: 'a key without access to the instance',
    request: (s, path, k) => post(s, path, k.limited, messages('manual')),
    status: 403,
    code: 'permission_denied',
  },
  {
    name: 'an instance without on-demand start',
    request: (s, path, k) => post(s, path, k.mgmt, messages('manual')),
    status: 503,
    code: 'instance_not_running',
    headers: { 'x-should-retry': 'false' },
  },
  {
    name: 'an on-demand start that fails',
    request: (s, path, k) => post(s, path, k.mgmt, messages('broken')),
    status: 500,
    code: 'instance_start_failed',
    headers: { 'x-should-retry': 'false' },
  },
  {
    name: 'an on-demand start that is not ready in time',
    request: (s, path, k) => post(s, path, k.mgmt, messages('sleepy')),
    status: 503,
    code: 'instance_start_timeout',
    headers: { 'retry-after': /^[1-9]\d*$/ },
  },
  {
    name: 'an on-demand start over a group limit',
    request: (s, path, k) => post(s, path, k.mgmt, messages('grouped')),
    status: 409,
    code: 'limit_reached',
  },
  {
    name: 'a Host the server does not answer to',
    request: (s, path, k) =>
      post(s, path, k.mgmt, messages('alpha'), { host: 'rebound.example:8080' }),
    status: 403,
    code: 'forbidden_host',
  },
  {
    name: 'an Origin that may not use the server',
    request: (s, path, k) =>
      post(s, path, k.mgmt, messages('alpha'), { origin: 'https://evil.example' }),
    status: 403,
    code: 'forbidden_origin',
  },
  {
    name: 'a method the route does not serve',
    request: (s, path, k) => send(s, 'GET', path, { headers: auth(k.mgmt) }),
    status: 405,
    code: 'method_not_allowed',
    headers: { allow: 'POST' },
  },
];

/** Routes of OpenAI's shape other than POST /v1/*, each with its own errors. */
const OPENAI_ONLY: Case[] = [
  {
    name: 'GET /v1/models/{unknown}',
    request: (s, _p, k) => send(s, 'GET', '/v1/models/gpt-4o', { headers: auth(k.mgmt) }),
    status: 404,
    code: 'model_not_found',
    param: 'model',
  },
  {
    name: 'DELETE /v1/models/{id}',
    request: (s, _p, k) => send(s, 'DELETE', '/v1/models/alpha', { headers: auth(k.mgmt) }),
    status: 405,
    code: 'method_not_allowed',
    headers: { allow: 'GET, HEAD' },
  },
  {
    name: 'POST /v1/models',
    request: (s, _p, k) => post(s, '/v1/models', k.mgmt, {}),
    status: 400,
    code: 'invalid_request',
    param: 'model',
  },
  {
    name: 'GET /v1/models without a key',
    request: (s) => send(s, 'GET', '/v1/models'),
    status: 401,
    code: null,
  },
  {
    name: '/llama-cpp/{unknown instance}/props',
    request: (s, _p, k) => send(s, 'GET', '/llama-cpp/nobody/props', { headers: auth(k.mgmt) }),
    status: 404,
    code: 'instance_not_found',
  },
  {
    name: '/llama-cpp/{name}/ a path llama-server does not have',
    request: (s, _p, k) => send(s, 'GET', '/llama-cpp/alpha/shutdown', { headers: auth(k.mgmt) }),
    status: 404,
    code: 'not_found',
  },
  {
    name: '/llama-cpp/ without a name',
    request: (s, _p, k) => send(s, 'GET', '/llama-cpp/', { headers: auth(k.mgmt) }),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'GET /llama-cpp/{name}/completion',
    request: (s, _p, k) => send(s, 'GET', '/llama-cpp/alpha/completion', { headers: auth(k.mgmt) }),
    status: 405,
    code: 'method_not_allowed',
    headers: { allow: 'POST' },
  },
  {
    name: 'DELETE /llama-cpp/{name}/props',
    request: (s, _p, k) => send(s, 'DELETE', '/llama-cpp/alpha/props', { headers: auth(k.mgmt) }),
    status: 405,
    code: 'method_not_allowed',
    headers: { allow: 'GET, HEAD, POST' },
  },
  {
    name: 'the web UI of a stopped instance',
    request: (s) => send(s, 'GET', '/llama-cpp/manual/'),
    status: 400,
    code: 'instance is not running',
  },
  {
    name: '/llama-cpp/{name}/props without a key',
    request: (s) => send(s, 'GET', '/llama-cpp/alpha/props'),
    status: 401,
    code: null,
  },
  {
    name: '/llama-cpp/{name}/props with a wrong key',
    request: (s) => send(s, 'GET', '/llama-cpp/alpha/props', { headers: auth('llamactl-wrong') }),
    status: 401,
    code: 'invalid_api_key',
  },
];

function checkCommon(reply: Reply, c: Case): string {
  expect(reply.status, reply.body).toBe(c.status);
  expect(reply.headers['content-type']).toMatch(/^application\/json/);
  const id = reply.headers['x-request-id'];
  expect(id).toMatch(REQUEST_ID);
  for (const [name, want] of Object.entries(c.headers ?? {})) {
    if (typeof want === 'string') expect(reply.headers[name], name).toBe(want);
    else expect(reply.headers[name], name).toMatch(want);
  }
  if (!c.headers?.['x-should-retry']) expect(reply.headers['x-should-retry']).toBeUndefined();
  return id as string;
}

describe('errors of the protocol routes, against the official shapes', () => {
  let s: TestServer;
  const keys: Keys = { mgmt: '', limited: '' };

  beforeAll(async () => {
    s = await startTestServer({
      config: {
        server: { max_body_bytes: 64 * 1024 },
        instances: {
          port_range: testPortRange(21),
          on_demand_start_timeout: 1,
          group_limits: { closed: 0 },
        },
      },
    });
    keys.mgmt = s.mgmtKey;
    const alpha = await createInstance(s, 'alpha', {
      backend_options: { model: modelFile('alpha.gguf') },
    });
    await createInstance(s, 'manual', {
      on_demand_start: false,
      backend_options: { model: modelFile('manual.gguf') },
    });
    // exits at once: the failure does not depend on how fast the machine starts node
    await createInstance(s, 'broken', {
      auto_restart: false,
      command_override: '/bin/false',
      backend_options: { model: modelFile('broken.gguf') },
    });
    await createInstance(s, 'sleepy', {
      backend_options: { model: modelFile('sleepy.gguf') },
      environment: { FAKE_HEALTH_503_MS: '600000' },
    });
    await createInstance(s, 'grouped', {
      group: 'closed',
      backend_options: { model: modelFile('g.gguf') },
    });
    const res = await s.api('/api/v1/auth/keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'alpha-only',
        permission_mode: 'per_instance',
        instance_ids: [alpha.id],
      }),
    });
    keys.limited = ((await res.json()) as { key: string }).key;
  });
  afterAll(async () => {
    await s?.close();
  });

  describe('OpenAI: POST /v1/chat/completions', () => {
    it.each(CASES)('$name: $status $code', async (c) => {
      const reply = await c.request(s, '/v1/chat/completions', keys);
      checkCommon(reply, c);
      const body = OpenAIErrorSchema.parse(JSON.parse(reply.body));
      expect(body.error.type).toBe(c.status >= 500 ? 'server_error' : 'invalid_request_error');
      expect(body.error.code).toBe(c.code);
      expect(body.error.param).toBe(c.param ?? null);
      expect(reply.headers['request-id']).toBeUndefined();
    });
  });

  describe('OpenAI: the other routes', () => {
    it.each(OPENAI_ONLY)('$name: $status $code', async (c) => {
      const reply = await c.request(s, '', keys);
      checkCommon(reply, c);
      const body = OpenAIErrorSchema.parse(JSON.parse(reply.body));
      expect(body.error.code).toBe(c.code);
      expect(body.error.param).toBe(c.param ?? null);
    });
  });

  describe('Anthropic: POST /v1/messages', () => {
    it.each(CASES)('$name: $status', async (c) => {
      const reply = await c.request(s, '/v1/messages', keys);
      const id = checkCommon(reply, c);
      const body = AnthropicErrorSchema.parse(JSON.parse(reply.body));
      expect(body.error.type).toBe(
        ANTHROPIC_STATUS_TYPES[c.status] ?? anthropicErrorType(c.status),
      );
      // The Anthropic SDK reads `request-id`; the body carries it as the service's does.
      expect(reply.headers['request-id']).toBe(id);
      expect(body.request_id).toBe(id);
    });

    it('answers count_tokens in the same shape', async () => {
      const reply = await post(s, '/v1/messages/count_tokens', s.mgmtKey, messages('gpt-4o'));
      expect(reply.status).toBe(404);
      expect(AnthropicErrorSchema.parse(JSON.parse(reply.body)).error.type).toBe('not_found_error');
    });
  });

  describe('request ids', () => {
    it("takes the client's x-request-id or x-client-request-id and returns it", async () => {
      const own = await post(s, '/v1/chat/completions', s.mgmtKey, messages('gpt-4o'), {
        'x-request-id': 'trace-42',
      });
      expect(own.headers['x-request-id']).toBe('trace-42');
      const sdk = await post(s, '/v1/messages', s.mgmtKey, messages('gpt-4o'), {
        'x-client-request-id': 'client-7',
      });
      expect(sdk.headers['request-id']).toBe('client-7');
      expect(JSON.parse(sdk.body).request_id).toBe('client-7');
    });

    it("sends the id on to the backend and returns it with the backend's answer", async () => {
      expect((await s.api('/api/v1/instances/alpha/start', { method: 'POST' })).status).toBe(200);
      await vi.waitFor(async () => expect((await getInstance(s, 'alpha')).health).toBe('ready'), {
        timeout: 15_000,
        interval: 50,
      });
      const ok = await post(s, '/v1/chat/completions', s.mgmtKey, messages('alpha'));
      expect(ok.status).toBe(200);
      expect(ok.headers['x-request-id']).toMatch(REQUEST_ID);
      expect(ok.headers['x-fake-saw-request-id']).toBe(ok.headers['x-request-id']);
      const own = await post(s, '/v1/chat/completions', s.mgmtKey, messages('alpha'), {
        'x-client-request-id': 'sdk-9',
      });
      expect(own.headers['x-fake-saw-request-id']).toBe('sdk-9');
      expect(own.headers['x-request-id']).toBe('sdk-9');
    });

    it('replaces a client id that is not a plain token with its own', async () => {
      const reply = await post(s, '/v1/chat/completions', s.mgmtKey, messages('gpt-4o'), {
        'x-request-id': 'a b "c"',
      });
      expect(reply.headers['x-request-id']).toMatch(REQUEST_ID);
    });

    it('gives each request its own id, also on success', async () => {
      const a = await send(s, 'GET', '/v1/models', { headers: auth(s.mgmtKey) });
      const b = await send(s, 'GET', '/v1/models', { headers: auth(s.mgmtKey) });
      expect(a.status).toBe(200);
      expect(a.headers['x-request-id']).toMatch(REQUEST_ID);
      expect(b.headers['x-request-id']).not.toBe(a.headers['x-request-id']);
      const redirect = await send(s, 'GET', '/llama-cpp/alpha');
      expect(redirect.status).toBe(308);
      expect(redirect.headers['x-request-id']).toMatch(REQUEST_ID);
    });
  });
});
