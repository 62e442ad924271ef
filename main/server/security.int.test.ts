import http from 'node:http';
import { startTestServer, type TestServer } from '../testing/test-server';

/** fetch() cannot set Host; a raw request can. */
function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('DNS rebinding and cross-origin defences (loopback bind, default config)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('refuses a foreign Host header with 403 even with a valid key', async () => {
    const res = await rawGet(server.url + '/api/v1/version', {
      Host: `rebind.evil.example:${server.port}`,
      'X-API-Key': server.mgmtKey,
    });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'forbidden_host' });
  });

  it('serves localhost and 127.0.0.1 Host headers', async () => {
    for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`]) {
      const res = await rawGet(server.url + '/api/v1/version', {
        Host: host,
        'X-API-Key': server.mgmtKey,
      });
      expect(res.status).toBe(200);
    }
  });

  it('refuses a request from another origin before it reaches a handler', async () => {
    const res = await server.api('/api/v1/version', { headers: { Origin: 'http://evil.example' } });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'forbidden_origin' });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves requests from its own origin (the dashboard)', async () => {
    const res = await server.api('/api/v1/version', { headers: { Origin: server.url } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a preflight from another origin without any Allow header', async () => {
    const res = await fetch(server.url + '/api/v1/instances/x', {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://evil.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization',
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('does not let a non-preflight OPTIONS request past authentication', async () => {
    const res = await fetch(server.url + '/api/v1/version', { method: 'OPTIONS' });
    expect(res.status).toBe(401);
  });
});

describe('configured CORS and hosts', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      config: { server: { allowed_origins: ['http://app.example'], allowed_hosts: ['box.lan'] } },
    });
  });
  afterAll(() => server.close());

  it('answers an allowed origin with its CORS headers', async () => {
    const res = await server.api('/api/v1/version', { headers: { Origin: 'http://app.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://app.example');
    expect(res.headers.get('vary')).toMatch(/Origin/);
  });

  it('answers an allowed preflight with the requested method and headers', async () => {
    const res = await fetch(server.url + '/api/v1/auth/keys', {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://app.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'Authorization, Content-Type',
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://app.example');
    expect(res.headers.get('access-control-allow-methods')).toBe('POST');
    expect(res.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type');
    expect(res.headers.get('access-control-max-age')).toBe('300');
  });

  it('accepts an extra host from server.allowed_hosts', async () => {
    const res = await rawGet(server.url + '/api/v1/version', {
      Host: 'box.lan:80',
      'X-API-Key': server.mgmtKey,
    });
    expect(res.status).toBe(200);
  });
});

/** A mutating management request as a browser page of `origin` sends it through a proxy. */
let keyCount = 0;
const postFromPage = (url: string, key: string, headers: Record<string, string>) =>
  new Promise<number>((resolve, reject) => {
    const req = http.request(
      url + '/api/v1/auth/keys',
      {
        method: 'POST',
        headers: { 'X-API-Key': key, 'Content-Type': 'application/json', ...headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ name: `proxied-${++keyCount}`, permission_mode: 'allow_all' }));
  });

describe('behind a TLS reverse proxy', () => {
  it('accepts the dashboard of https://name when the proxy keeps the Host (default ports 443)', async () => {
    const server = await startTestServer({ config: { server: { allowed_hosts: ['llm.lan'] } } });
    try {
      const status = await postFromPage(server.url, server.mgmtKey, {
        Host: 'llm.lan',
        Origin: 'https://llm.lan',
      });
      expect(status).toBe(201);
      // and the explicit default port is the same origin
      expect(
        await postFromPage(server.url, server.mgmtKey, {
          Host: 'llm.lan:443',
          Origin: 'https://llm.lan',
        }),
      ).toBe(201);
      expect(
        await postFromPage(server.url, server.mgmtKey, {
          Host: 'llm.lan:8443',
          Origin: 'https://llm.lan',
        }),
      ).toBe(403);
    } finally {
      await server.close();
    }
  });

  it('believes X-Forwarded-Host and -Proto from a trusted proxy that rewrites the Host', async () => {
    const server = await startTestServer({
      config: { server: { trusted_proxies: ['127.0.0.0/8'] } },
    });
    try {
      const forwarded = {
        Host: `127.0.0.1:${server.port}`,
        'X-Forwarded-Host': 'llm.example.com',
        'X-Forwarded-Proto': 'https',
      };
      expect(
        await postFromPage(server.url, server.mgmtKey, {
          ...forwarded,
          Origin: 'https://llm.example.com',
        }),
      ).toBe(201);
      // the scheme the proxy reports must be the page's
      expect(
        await postFromPage(server.url, server.mgmtKey, {
          ...forwarded,
          'X-Forwarded-Proto': 'http',
          Origin: 'https://llm.example.com',
        }),
      ).toBe(403);
      expect(
        await postFromPage(server.url, server.mgmtKey, {
          ...forwarded,
          Origin: 'https://evil.example',
        }),
      ).toBe(403);
    } finally {
      await server.close();
    }
  });

  it('ignores X-Forwarded-Host and -Proto from a peer that is not a trusted proxy', async () => {
    const server = await startTestServer({
      config: { server: { trusted_proxies: ['10.0.0.0/8'] } },
    });
    try {
      const status = await postFromPage(server.url, server.mgmtKey, {
        Host: `127.0.0.1:${server.port}`,
        'X-Forwarded-Host': 'evil.example',
        'X-Forwarded-Proto': 'https',
        Origin: 'https://evil.example',
      });
      expect(status).toBe(403);
    } finally {
      await server.close();
    }
  });
});

describe('GET /api/v1/config', () => {
  it('contains no key of any kind', async () => {
    const server = await startTestServer({
      config: {
        nodes: { far: { address: 'http://10.9.9.9:8080', api_key: 'far-node-key' } },
        backends: { vllm: { environment: { HF_TOKEN: 'hf_abc' } } },
      },
    });
    try {
      const res = await server.api('/api/v1/config');
      expect(res.status).toBe(200);
      const text = await res.text();
      for (const secret of [server.mgmtKey, 'far-node-key', 'hf_abc'])
        expect(text).not.toContain(secret);
      const body = JSON.parse(text);
      expect(body.auth.management_keys).toEqual([]);
      expect(body.server.port).toBe(0);
    } finally {
      await server.close();
    }
  });
});
