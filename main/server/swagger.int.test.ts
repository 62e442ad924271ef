import { readFileSync } from 'node:fs';
import { instanceOptionsJsonSchema } from '../../shared/api/instance-schema';
import { startTestServer, type TestServer } from '../testing/test-server';
import { SWAGGER_CSP } from './routes/swagger';

const REFERENCE = '/work/shared/reference/llamactl-api-1.0.txt';

/** `GET /api/v1/instances/{name}` lines of the reference, as [method, path]. */
function referenceEndpoints(): Array<[string, string]> {
  const text = readFileSync(REFERENCE, 'utf8');
  return [...text.matchAll(/^(GET|POST|PUT|DELETE) (\/\S*?)¶$/gm)].map((m) => [m[1], m[2]]);
}

interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: any }>>;
  components: { schemas: Record<string, any>; securitySchemes: Record<string, unknown> };
}

describe('server.enable_swagger: true', () => {
  let s: TestServer;
  let doc: OpenApiDoc;
  beforeAll(async () => {
    s = await startTestServer({ config: { server: { enable_swagger: true } } });
    const res = await s.api('/swagger/doc.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = (await res.json()) as OpenApiDoc;
  });
  afterAll(() => s.close());

  it('serves an OpenAPI 3.1 document with paths, operations and responses', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBeTruthy();
    expect(typeof doc.info.version).toBe('string');
    for (const [path, ops] of Object.entries(doc.paths)) {
      expect(path.startsWith('/'), path).toBe(true);
      expect(path, 'Express syntax left in a path').not.toMatch(/[:*]/);
      for (const [method, op] of Object.entries(ops)) {
        expect(['get', 'post', 'put', 'delete', 'patch']).toContain(method);
        expect(Object.keys(op.responses).length, `${method} ${path}`).toBeGreaterThan(0);
        for (const name of path.matchAll(/\{(\w+)\}/g))
          expect((op as any).parameters, `${method} ${path}`).toContainEqual(
            expect.objectContaining({ name: name[1], in: 'path', required: true }),
          );
      }
    }
    expect(Object.keys(doc.components.securitySchemes)).toContain('bearer');
  });

  it('lists every endpoint of the llamactl API 1.0 reference', () => {
    const endpoints = referenceEndpoints();
    expect(endpoints.length).toBeGreaterThan(40);
    const missing = endpoints.filter(([method, path]) => {
      const m = method.toLowerCase();
      // "POST /v1/": llamactl's catch-all for every POST /v1/* (routed by the body's model)
      if (path === '/v1/')
        return !Object.entries(doc.paths).some(([p, ops]) => p.startsWith('/v1/') && ops[m]);
      return !doc.paths[path]?.[m];
    });
    expect(missing).toEqual([]);
  });

  it('describes bodies with JSON Schemas generated from the zod schemas', () => {
    const create = doc.paths['/api/v1/instances/{name}'].post;
    expect(create.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/InstanceOptions',
    });
    const options = doc.components.schemas.InstanceOptions;
    const branches = options.oneOf ?? options.anyOf;
    expect(branches.map((b: any) => b.properties.backend_type.const).sort()).toEqual([
      'llama_cpp',
      'mlx_lm',
      'vllm',
    ]);
    // the ranges of the shared option tables (issue 15 item 10) show up in the document
    const llama = branches.find((b: any) => b.properties.backend_type.const === 'llama_cpp');
    const bo = llama.properties.backend_options.anyOf.find((o: any) => o.type === 'object');
    expect(bo.properties.ctx_size).toMatchObject({ type: 'integer', minimum: 0 });
    expect(doc.components.schemas.Settings.additionalProperties).toBe(false);
  });

  it('publishes the instance options as the shared schema itself (one source of truth)', () => {
    expect(doc.components.schemas.InstanceOptions).toEqual(instanceOptionsJsonSchema());
    expect(doc.components.schemas.Instance.properties.options).toEqual({
      $ref: '#/components/schemas/InstanceOptions',
    });
    expect(doc.components.schemas.Instance.required).toContain('options');
    // every $ref of the document resolves inside it (a schema's own "#/$defs/..." would not)
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]);
    for (const ref of refs) {
      const target = ref
        .slice(2)
        .split('/')
        .reduce<any>((node, key) => node?.[key], doc);
      expect(target, ref).toBeDefined();
    }
  });

  it('needs the management key for the document', async () => {
    expect((await fetch(s.url + '/swagger/doc.json')).status).toBe(401);
    expect((await fetch(s.url + '/swagger/doc.json?api_key=wrong')).status).toBe(401);
  });

  it('serves Swagger UI at /swagger/ with its files', async () => {
    const page = await fetch(s.url + '/swagger/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('swagger-ui-bundle.js');
    for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css', 'initializer.js']) {
      const res = await fetch(s.url + '/swagger/' + file);
      expect(res.status, file).toBe(200);
      await res.arrayBuffer();
    }
    // a script policy of its own: no inline script on the page, nothing but this server's files
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toBe(SWAGGER_CSP);
    expect(csp).toMatch(/(^|; )script-src 'self'(;|$)/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc="\.\//);
      expect(body.trim()).toBe('');
    }
    const init = await (await fetch(s.url + '/swagger/initializer.js')).text();
    expect(init).toContain('validatorUrl: null');
    expect(init).toContain("'./doc.json'");
    const bare = await fetch(s.url + '/swagger', { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('swagger/');
  });
});

describe('server.enable_swagger: false (the default)', () => {
  it('answers 404 for the document and the UI', async () => {
    const s = await startTestServer();
    try {
      for (const path of ['/swagger/doc.json', '/swagger/', '/swagger/swagger-ui-bundle.js']) {
        const res = await s.api(path);
        expect(res.status, path).toBe(404);
        await res.arrayBuffer();
      }
    } finally {
      await s.close();
    }
  });
});
