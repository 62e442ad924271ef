import { z } from 'zod';
import { DOC_SCHEMAS, INSTANCE_OPTIONS_REF, JSON_DOC_SCHEMAS, type DocSchemaName } from './schemas';

/** One route of the API as the server registers it (Express syntax or OpenAPI syntax). */
export interface ApiRoute {
  method: string;
  path: string;
}

/** Who may call a route: the management key, or any key that reaches inference routes. */
type Access = 'management' | 'inference' | 'public';

interface RouteDoc {
  summary: string;
  body?: DocSchemaName;
  response?: DocSchemaName;
  list?: DocSchemaName;
  status?: number;
}

/**
 * What the route table cannot say: summaries and the zod schemas of bodies and responses, by
 * `METHOD /openapi/path`. A route missing here is still in the document (from the route
 * table), with a generic summary.
 */
const ROUTE_DOCS: Record<string, RouteDoc> = {
  'GET /api/v1/version': { summary: 'Server version' },
  'GET /api/v1/config': { summary: 'Effective configuration, secrets removed' },
  'GET /api/v1/instances': { summary: 'List instances', list: 'Instance' },
  'GET /api/v1/instances/{name}': { summary: 'Get an instance', response: 'Instance' },
  'POST /api/v1/instances/{name}': {
    summary: 'Create an instance',
    body: 'InstanceOptions',
    response: 'Instance',
    status: 201,
  },
  'PUT /api/v1/instances/{name}': {
    summary: 'Update an instance (restarts it when running)',
    body: 'InstanceOptions',
    response: 'Instance',
  },
  'DELETE /api/v1/instances/{name}': { summary: 'Delete an instance (stops it)', status: 204 },
  'POST /api/v1/instances/{name}/start': { summary: 'Start an instance', response: 'Instance' },
  'POST /api/v1/instances/{name}/stop': { summary: 'Stop an instance', response: 'Instance' },
  'POST /api/v1/instances/{name}/restart': { summary: 'Restart an instance', response: 'Instance' },
  'GET /api/v1/instances/{name}/logs': { summary: "An instance's log (?lines=N, 0 = all)" },
  'GET /api/v1/instances/{name}/logs/stream': {
    summary: "An instance's log as server-sent events",
  },
  'POST /api/v1/system/memory-estimate': {
    summary:
      'Memory an instance with these options would need (GGUF estimate) and whether it fits now',
    body: 'InstanceOptions',
    response: 'MemoryEstimate',
  },
  'GET /api/v1/events': { summary: 'Server-sent events: instance, job and resource changes' },
  'POST /api/v1/auth/keys': { summary: 'Create an API key', body: 'CreateApiKey', status: 201 },
  'GET /api/v1/auth/keys': { summary: 'List API keys' },
  'GET /api/v1/auth/keys/{id}': { summary: 'Get an API key' },
  'DELETE /api/v1/auth/keys/{id}': { summary: 'Delete an API key', status: 204 },
  'GET /api/v1/auth/keys/{id}/permissions': { summary: "An API key's instance grants" },
  'POST /api/v1/models/download': {
    summary: 'Download a model from Hugging Face',
    body: 'DownloadRequest',
    response: 'DownloadJob',
    status: 202,
  },
  'GET /api/v1/models/jobs': { summary: 'List download jobs', list: 'DownloadJob' },
  'GET /api/v1/models/jobs/{id}': { summary: 'Get a download job', response: 'DownloadJob' },
  'DELETE /api/v1/models/jobs/{id}': {
    summary: 'Cancel an active job, remove a finished one',
    status: 204,
  },
  'GET /api/v1/settings': { summary: 'Dashboard settings', response: 'Settings' },
  'PUT /api/v1/settings': { summary: 'Change dashboard settings', body: 'Settings' },
  'POST /v1/chat/completions': { summary: 'OpenAI chat completions, routed by `model`' },
  'POST /v1/completions': { summary: 'OpenAI completions, routed by `model`' },
  'POST /v1/embeddings': { summary: 'OpenAI embeddings, routed by `model`' },
  'POST /v1/rerank': { summary: 'Rerank, routed by `model`' },
  'GET /v1/models': { summary: 'Models of every instance the key may use (OpenAI format)' },
  'GET /v1/models/{model}': { summary: 'One model (OpenAI format)' },
  'GET /llama-cpp/{name}/': { summary: "llama-server's web UI (static files need no key)" },
};

/** `:name` -> `{name}`, `{/*rest}` (optional tail) dropped, `*rest` -> `{rest}`. */
export function openApiPath(expressPath: string): string {
  return expressPath
    .replace(/\{\/\*[A-Za-z_]\w*\}/g, '')
    .replace(/:([A-Za-z_]\w*)/g, '{$1}')
    .replace(/\*([A-Za-z_]\w*)/g, '{$1}');
}

function access(path: string): Access {
  if (path.startsWith('/api/v1/')) return 'management';
  if (path.startsWith('/v1/') || path.startsWith('/llama-cpp/')) return 'inference';
  return 'public';
}

function tag(path: string): string {
  const m = /^\/api\/v1\/([^/]+)/.exec(path);
  if (m) return m[1] === 'auth' ? 'keys' : m[1];
  return path.startsWith('/v1/') ? 'openai' : 'llama-cpp';
}

const ref = (name: DocSchemaName) => ({ $ref: `#/components/schemas/${name}` });
const errorResponse = (text: string) => ({
  description: text,
  content: { 'application/json': { schema: ref('Error') } },
});

/**
 * The OpenAPI 3.1 document of `routes`, with components.schemas generated from the zod
 * schemas (JSON Schema 2020-12, OpenAPI 3.1's dialect).
 */
export function openApiDocument(routes: readonly ApiRoute[], version: string): object {
  const paths: Record<string, Record<string, object>> = {};
  const seen = new Set<string>();
  for (const r of routes) {
    const path = openApiPath(r.path);
    const method = r.method.toLowerCase();
    const key = `${method.toUpperCase()} ${path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const doc = ROUTE_DOCS[key];
    const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const who = access(path);
    const ok: Record<string, unknown> = { description: 'Success' };
    if (doc?.response) ok.content = { 'application/json': { schema: ref(doc.response) } };
    else if (doc?.list)
      ok.content = { 'application/json': { schema: { type: 'array', items: ref(doc.list) } } };
    const responses: Record<string, unknown> = {
      [String(doc?.status ?? 200)]: ok,
      '400': errorResponse('Bad input: the details name the field and the rule'),
      '401': { description: 'Missing or invalid key' },
      ...(who === 'inference' && { '403': { description: 'The key may not use this instance' } }),
      '404': errorResponse('Not found'),
    };
    (paths[path] ??= {})[method] = {
      operationId: `${method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: doc?.summary ?? `${method.toUpperCase()} ${path}`,
      tags: [tag(path)],
      ...(params.length && { parameters: params }),
      ...(doc?.body && {
        requestBody: { required: true, content: { 'application/json': { schema: ref(doc.body) } } },
      }),
      responses,
      security: who === 'public' ? [] : [{ bearer: [] }, { apiKeyHeader: [] }, { apiKeyQuery: [] }],
      ...(who === 'management' && {
        description: 'Needs the management key (when management auth is on).',
      }),
      ...(who === 'inference' && {
        description: 'Needs an API key allowed for the instance, or the management key.',
      }),
    };
  }
  const schemas = {
    ...Object.fromEntries(Object.entries(JSON_DOC_SCHEMAS).map(([name, build]) => [name, build()])),
    ...Object.fromEntries(
      Object.entries(DOC_SCHEMAS).map(([name, schema]) => [
        name,
        z.toJSONSchema(schema, {
          target: 'draft-2020-12',
          io: 'input',
          unrepresentable: 'any',
          override: (ctx) => {
            if (ctx.zodSchema !== INSTANCE_OPTIONS_REF) return;
            for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
            Object.assign(ctx.jsonSchema, ref('InstanceOptions'));
          },
        }),
      ]),
    ),
  };
  return {
    openapi: '3.1.1',
    info: {
      title: 'Llamactl Desktop API',
      version,
      description:
        "llamactl's API 1.0 as this server serves it (docs/compatibility.md lists the differences).",
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/' }],
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <key>' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        apiKeyQuery: { type: 'apiKey', in: 'query', name: 'api_key' },
      },
    },
  };
}
