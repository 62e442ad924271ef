import type { Express } from 'express';
import { createApp } from './create-app';
import { startTestServer, type TestServer } from '../testing/test-server';

interface RouteEntry {
  method: string;
  path: string;
}

/** Express 5 (router 2.x) keeps each layer's raw path; walk nested routers recursively. */
function walk(stack: any[], prefix: string, out: RouteEntry[]): void {
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const p of paths) {
        if (typeof p !== 'string') continue;
        for (const m of Object.keys(layer.route.methods)) {
          out.push({ method: m === '_all' ? 'GET' : m.toUpperCase(), path: prefix + p });
        }
      }
    } else if (layer.handle?.stack && typeof layer.rawPath === 'string') {
      walk(layer.handle.stack, prefix + (layer.rawPath === '/' ? '' : layer.rawPath), out);
    }
  }
}

/** Every route registered on the /api/v1 router, including ones other areas add later. */
function apiRoutes(app: Express): RouteEntry[] {
  const router = (app as any).router;
  const apiLayer = router.stack.find((l: any) => l.handle?.stack && l.match('/api/v1/version'));
  const out: RouteEntry[] = [];
  walk(apiLayer.handle.stack, '/api/v1', out);
  return out;
}

/** Fills route parameters with plausible values: `:name` -> x, `*splat`/`{*p}` -> a/b. */
function concretePath(path: string): string {
  return path
    .replace(/\{([^}]*)\}/g, '$1')
    .replace(/\*[A-Za-z0-9_]+/g, 'a/b')
    .replace(/:[A-Za-z0-9_]+/g, '1');
}

let server: TestServer;
let inferenceKey: string;
beforeAll(async () => {
  server = await startTestServer();
  const res = await server.api('/api/v1/auth/keys', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'walker', permission_mode: 'allow_all' }),
  });
  inferenceKey = ((await res.json()) as { key: string }).key;
});
afterAll(() => server.close());

describe('management authentication on the whole /api/v1 router', () => {
  const routes = () => apiRoutes(createApp(server.services));

  it('finds the routes of the API in the route table', () => {
    const found = routes().map((r) => `${r.method} ${r.path}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'GET /api/v1/version',
        'GET /api/v1/config',
        'POST /api/v1/auth/keys',
        'DELETE /api/v1/auth/keys/:id',
      ]),
    );
  });

  it('refuses every route without a key, with a wrong key and with an inference key (401)', async () => {
    const failures: string[] = [];
    const table = routes();
    expect(table.length).toBeGreaterThan(5);
    for (const { method, path } of table) {
      const url = server.url + concretePath(path);
      const attempts: Array<[string, Record<string, string>]> = [
        ['no key', {}],
        ['wrong Bearer key', { Authorization: 'Bearer llamactl-mgmt-wrong' }],
        ['wrong X-API-Key', { 'X-API-Key': 'wrong' }],
        ['inference key', { Authorization: `Bearer ${inferenceKey}` }],
      ];
      for (const [label, headers] of attempts) {
        const body = method === 'GET' || method === 'HEAD' ? undefined : '{}';
        const res = await fetch(url, {
          method,
          headers: { ...headers, 'Content-Type': 'application/json' },
          body,
        });
        const text = await res.text();
        if (res.status !== 401)
          failures.push(`${method} ${path} with ${label}: ${res.status} ${text.slice(0, 80)}`);
        else if (!text.includes('authentication_error'))
          failures.push(`${method} ${path}: 401 without body B`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('uses llamactl error body B for 401s', async () => {
    const missing = await fetch(server.url + '/api/v1/version');
    expect(missing.status).toBe(401);
    expect(await missing.text()).toBe(
      '{"error": {"message": "Missing API key", "type": "authentication_error"}}\n',
    );
    const wrong = await fetch(server.url + '/api/v1/version?api_key=nope');
    expect(await wrong.json()).toEqual({
      error: { message: 'Invalid API key', type: 'authentication_error' },
    });
  });

  it('answers 401 before 404 for unknown /api/v1 paths, then a JSON 404 with a key', async () => {
    expect((await fetch(server.url + '/api/v1/no/such/route')).status).toBe(401);
    const res = await server.api('/api/v1/no/such/route');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual({
      error: 'not_found',
      details: 'No route GET /api/v1/no/such/route',
    });
  });

  it('accepts the management key as Bearer, X-API-Key and ?api_key=', async () => {
    const k = server.mgmtKey;
    for (const res of [
      await fetch(server.url + '/api/v1/version', { headers: { Authorization: `Bearer ${k}` } }),
      await fetch(server.url + '/api/v1/version', { headers: { 'X-API-Key': k } }),
      await fetch(server.url + `/api/v1/version?api_key=${k}`),
    ]) {
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/^Version: .*\nCommit: .*\nBuild Time: .*\n$/);
    }
  });
});

describe('error shapes for bad input', () => {
  it('answers malformed JSON with 400 and a JSON body, never a stack trace', async () => {
    const res = await server.api('/api/v1/auth/keys', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"name": "x",',
    });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      error: 'invalid_json',
      details: 'Invalid JSON in request body',
    });
    expect(text).not.toMatch(/at .*\.js|SyntaxError/);
  });

  it.each([
    ['/api/v1/instances/x', 'invalid_request', 'Invalid request body'],
    ['/api/v1/backends/vllm/parse-command', 'invalid_request', 'Invalid JSON body'],
    ['/api/v1/models/download', 'invalid_request', 'Failed to parse request body'],
  ])(
    "answers malformed JSON on %s with llamactl's code and text for that endpoint",
    async (path, error, details) => {
      const res = await server.api(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{',
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error, details });
    },
  );

  it('answers a body over the limit with 413 and a JSON body', async () => {
    const small = await startTestServer({ config: { server: { max_body_bytes: 1024 } } });
    try {
      const res = await small.api('/api/v1/auth/keys', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'x'.repeat(4096), permission_mode: 'allow_all' }),
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({
        error: 'payload_too_large',
        details: 'Request body is too large',
      });
    } finally {
      await small.close();
    }
  });

  it('names the field and the rule for a wrong type', async () => {
    const res = await server.api('/api/v1/auth/keys', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'x', permission_mode: 'per_instance', instance_ids: 'all' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_json',
      details: 'Invalid JSON in request body: instance_ids must be an array of integers',
    });
  });
});

describe('switched-off management auth', () => {
  it('opens the management API when auth.require_management_auth is false', async () => {
    const open = await startTestServer({
      config: { auth: { require_management_auth: false, management_keys: [] } },
    });
    try {
      expect((await fetch(open.url + '/api/v1/version')).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});
