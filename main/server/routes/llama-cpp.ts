import type { Router } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Instance } from '../../../shared/api/instances';
import { AppError } from '../../../shared/errors';
import { readBody } from '../proxy/body';
import { writeError } from '../proxy/errors';
import { requestIdOf } from '../proxy/request-id';
import { assertCanAccess, authenticateInference } from '../proxy/inference-auth';
import { forwardToInstance } from '../proxy/instance-forward';
import type { ReverseProxy } from '../proxy/reverse-proxy';
import type { RoutingDeps } from '../proxy/types';

/**
 * llama-server endpoints reachable under /llama-cpp/{name}/ with an inference key; they start
 * the instance on demand. llamactl's list plus the GETs it forgot (§12 item 18): /metrics,
 * /health, /v1/*, /slots/{id}, /lora-adapters, router-mode /models.
 */
export const PRIVATE_GET = new Set([
  '/props',
  '/slots',
  '/metrics',
  '/health',
  '/models',
  '/lora-adapters',
]);
export const PRIVATE_POST = new Set([
  '/props',
  '/apply-template',
  '/completion',
  '/completions',
  '/detokenize',
  '/embedding',
  '/embeddings',
  '/infill',
  '/metrics',
  '/reranking',
  '/rerank',
  '/tokenize',
  '/lora-adapters',
]);

/** Static files of llama-server's web UI: served without a key and without starting anything. */
const UI_ASSET =
  /^\/[A-Za-z0-9._\-/]*\.(?:html|js|mjs|css|map|ico|svg|png|jpe?g|gif|webp|woff2?|ttf|txt|webmanifest)$/;

export type LlamaCppRouteKind = 'ui' | 'private' | 'wrong-method' | 'unknown';

/** Which kind of route `rest` (the path after /llama-cpp/{name}) is for this method. */
export function classifyLlamaCppPath(method: string, rest: string): LlamaCppRouteKind {
  const get = method === 'GET' || method === 'HEAD';
  const isV1 = rest.startsWith('/v1/');
  const isSlot = /^\/slots\/\d+$/.test(rest);
  if (get) {
    if (PRIVATE_GET.has(rest) || isV1) return 'private';
    if (rest === '/' || UI_ASSET.test(rest)) return 'ui';
    return PRIVATE_POST.has(rest) || isSlot ? 'wrong-method' : 'unknown';
  }
  if (method === 'POST') {
    if (PRIVATE_POST.has(rest) || isV1 || isSlot) return 'private';
    return PRIVATE_GET.has(rest) || rest === '/' ? 'wrong-method' : 'unknown';
  }
  return PRIVATE_GET.has(rest) || PRIVATE_POST.has(rest) || isV1 || isSlot || rest === '/'
    ? 'wrong-method'
    : 'unknown';
}

/** The `Allow` header for a path of ours: the methods classifyLlamaCppPath serves on it. */
export function allowedLlamaCppMethods(rest: string): string {
  const get = classifyLlamaCppPath('GET', rest);
  const methods = get === 'private' || get === 'ui' ? ['GET', 'HEAD'] : [];
  if (classifyLlamaCppPath('POST', rest) === 'private') methods.push('POST');
  return methods.join(', ');
}

function llamaInstance(deps: RoutingDeps, name: string): Instance {
  const inst = deps.instances.get(name);
  if (inst.options.backend_type !== 'llama_cpp') {
    throw new AppError('invalid instance', `instance "${name}" is not a llama.cpp server`);
  }
  return inst;
}

/**
 * `/llama-cpp/{name}/…`, served without Express. Returns false when the path is not one of
 * ours (Express then answers).
 */
export function createLlamaCppHandler(deps: RoutingDeps, proxy: ReverseProxy) {
  return function handleLlamaCpp(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q);
    const afterPrefix = path.slice('/llama-cpp/'.length);
    const slash = afterPrefix.indexOf('/');
    const rawName = slash < 0 ? afterPrefix : afterPrefix.slice(0, slash);
    const fail = (err: unknown) => writeError(res, err, 'openai', deps.log);
    let name = '';
    try {
      name = decodeURIComponent(rawName);
    } catch {
      // not a name any instance can have: answered below as an unknown route
    }
    const method = req.method ?? 'GET';
    if (!name) {
      fail(new AppError('not_found', `No route ${method} ${path}`));
      return true;
    }
    const rest = slash < 0 ? '' : afterPrefix.slice(slash);
    if (rest === '' && (method === 'GET' || method === 'HEAD')) {
      // The UI loads its assets relative to the page: without the slash they would miss the prefix.
      const headers: Record<string, string | number> = {
        location: `/llama-cpp/${rawName}/${query}`,
        'content-length': 0,
      };
      const requestId = requestIdOf(res);
      if (requestId !== undefined) headers['x-request-id'] = requestId;
      res.writeHead(308, headers);
      res.end();
      return true;
    }
    const kind = classifyLlamaCppPath(method, rest);
    if (kind === 'unknown') {
      fail(new AppError('not_found', `No route ${method} /llama-cpp/${name}${rest}`));
      return true;
    }
    if (kind === 'wrong-method') {
      try {
        authenticateInference(deps, req);
        const allow = allowedLlamaCppMethods(rest);
        fail(
          new AppError(
            'method_not_allowed',
            `${method} is not allowed on /llama-cpp/${name}${rest}; use ${allow}`,
            { headers: { Allow: allow } },
          ),
        );
      } catch (err) {
        fail(err);
      }
      return true;
    }
    if (kind === 'ui') {
      serveUi(deps, proxy, req, res, name, rest + query).catch(fail);
      return true;
    }
    servePrivate(deps, proxy, req, res, name, rest + query).catch(fail);
    return true;
  };
}

async function serveUi(
  deps: RoutingDeps,
  proxy: ReverseProxy,
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  path: string,
): Promise<void> {
  const instance = llamaInstance(deps, name);
  if (instance.status !== 'running')
    throw new AppError('instance is not running', 'Instance is not running');
  await forwardToInstance(deps, proxy, req, res, {
    instance,
    autostart: false,
    path,
    style: 'openai',
  });
}

async function servePrivate(
  deps: RoutingDeps,
  proxy: ReverseProxy,
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  path: string,
): Promise<void> {
  const auth = authenticateInference(deps, req);
  const instance = llamaInstance(deps, name);
  assertCanAccess(deps, auth, instance);
  await forwardToInstance(deps, proxy, req, res, {
    instance,
    autostart: true,
    path,
    style: 'openai',
    keyName: deps.auth.keyName(auth),
  });
}

/**
 * Router-mode model management on the management API: `GET …/models` -> backend `GET /models`,
 * `POST …/models/{model}/load|unload` -> backend `POST /models/load|unload` with the model
 * taken from the path (llamactl ignores the path and needs `{"model"}` in the body). Must be
 * registered before the JSON body parser: the body is read here, bounded.
 */
export function registerLlamaCppModelRoutes(
  api: Router,
  deps: RoutingDeps,
  proxy: ReverseProxy,
): void {
  api.get('/llama-cpp/:name/models', async (req, res) => {
    const instance = llamaInstance(deps, req.params.name);
    const q = req.originalUrl.indexOf('?');
    await forwardToInstance(deps, proxy, req, res, {
      instance,
      autostart: true,
      path: '/models' + (q < 0 ? '' : req.originalUrl.slice(q)),
      style: 'management',
      keyName: 'management',
    });
  });
  for (const action of ['load', 'unload'] as const) {
    api.post(`/llama-cpp/:name/models/:model/${action}`, async (req, res) => {
      const instance = llamaInstance(deps, req.params.name);
      const model = req.params.model as string;
      const raw = await readBody(req, deps.config.server.max_body_bytes);
      const body = modelActionBody(raw, model);
      await forwardToInstance(deps, proxy, req, res, {
        instance,
        autostart: true,
        path: `/models/${action}`,
        body,
        style: 'management',
        keyName: 'management',
      });
    });
  }
}

/** The JSON body for llama-server's /models/load|unload: the client's object, model from the path. */
export function modelActionBody(raw: Buffer, model: string): Buffer {
  let obj: Record<string, unknown> = {};
  if (raw.length && raw.toString('utf8').trim()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new AppError('invalid_json', 'Invalid JSON in request body');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new AppError('validation_error', 'body: must be a JSON object (or empty)');
    }
    obj = parsed as Record<string, unknown>;
  }
  return Buffer.from(JSON.stringify({ ...obj, model }));
}
