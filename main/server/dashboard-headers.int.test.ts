import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen, type RunningServer } from './http-server';
import { startTestServer, type TestServer } from '../testing/test-server';

const THEME = "document.documentElement.dataset.theme = 'dark';";
const hash = `'sha256-${createHash('sha256').update(THEME).digest('base64')}'`;

let s: TestServer;
let dashboard: RunningServer;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'llamactl-dashboard-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html><head><script>${THEME}</script><script type="module" src="./assets/index.js"></script></head><body></body>`,
  );
  writeFileSync(join(dir, 'assets', 'index.js'), 'export {};\n');
  s = await startTestServer();
  // A second listener on the same services, serving this test's dashboard build.
  dashboard = await listen(s.services, '127.0.0.1', 0, { rendererDir: dir });
});
afterAll(async () => {
  await dashboard.close();
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

const directives = (res: Response) =>
  new Map(
    (res.headers.get('content-security-policy') ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name, values]),
  );

describe("the dashboard's framing protection and Content-Security-Policy", () => {
  it.each(['/', '/index.html', '/assets/index.js', '/instances/alpha'])(
    'answers %s with X-Frame-Options DENY and a policy allowing scripts from itself only',
    async (path) => {
      const res = await fetch(dashboard.url + path);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      const csp = directives(res);
      expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
      expect(csp.get('script-src')).toEqual(["'self'", hash]);
      expect(csp.get('object-src')).toEqual(["'none'"]);
      expect(csp.get('connect-src')).toEqual(["'self'"]);
      expect(csp.get('img-src')).toEqual(expect.arrayContaining(["'self'", 'data:', 'blob:']));
    },
  );

  it('puts neither header on the API, the OpenAI endpoint or the metrics', async () => {
    for (const path of ['/api/v1/version', '/api/v1/nope', '/v1/models', '/metrics']) {
      const res = await fetch(dashboard.url + path, {
        headers: { Authorization: `Bearer ${s.mgmtKey}` },
      });
      expect(res.headers.get('content-security-policy'), path).toBeNull();
      expect(res.headers.get('x-frame-options'), path).toBeNull();
    }
  });

  it('puts neither header on a backend page behind the instance proxy', async () => {
    const res = await fetch(dashboard.url + '/api/v1/instances/missing/proxy/', {
      headers: { Authorization: `Bearer ${s.mgmtKey}` },
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.headers.get('content-security-policy')).toBeNull();
    expect(res.headers.get('x-frame-options')).toBeNull();
  });
});
