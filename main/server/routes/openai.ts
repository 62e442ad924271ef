import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Instance } from '../../../shared/api/instances';
import { findBackend } from '../../../shared/backends';
import { AppError } from '../../../shared/errors';
import { backendModel } from '../../backends';
import { readBodyThen } from '../proxy/body';
import { errorStyleFor, writeError, writeJson, type ErrorStyle } from '../proxy/errors';
import { assertCanAccess, authenticateInference, canAccess } from '../proxy/inference-auth';
import { forwardToInstance } from '../proxy/instance-forward';
import { locateModel, replaceModel, splitModel, upstreamModel } from '../proxy/model-field';
import type { ReverseProxy } from '../proxy/reverse-proxy';
import type { RoutingAuthContext, RoutingDeps } from '../proxy/types';

/** How long GET /v1/models waits for a router-mode backend's model list before leaving it out. */
export const ROUTER_MODELS_TIMEOUT_MS = 1_500;

export interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/**
 * The OpenAI-compatible endpoint, served without Express: `POST /v1/*` routed by the body's
 * `model` (an instance name, or `instance/model` for llama.cpp router mode) and `GET /v1/models`.
 * Returns false for requests it does not serve (the caller hands them to Express).
 */
export function createOpenAIHandler(deps: RoutingDeps, proxy: ReverseProxy) {
  return function handleOpenAI(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (req.method === 'OPTIONS') return false; // CORS preflights belong to the Express CORS layer
    const style = errorStyleFor(path);
    if (req.method === 'POST') {
      try {
        routeByModel(deps, proxy, req, res, style);
      } catch (err) {
        writeError(res, err, style, deps.log);
      }
      return true;
    }
    const isList = path === '/v1/models' || path === '/v1/models/';
    const isModel = !isList && path.startsWith('/v1/models/');
    if ((req.method === 'GET' || req.method === 'HEAD') && isList) {
      listModels(deps, proxy, req)
        .then((data) => writeJson(res, 200, { object: 'list', data }))
        .catch((err) => writeError(res, err, style, deps.log));
      return true;
    }
    if ((req.method === 'GET' || req.method === 'HEAD') && isModel) {
      // OpenAI's "retrieve model": ids may contain slashes (`instance/model`).
      retrieveModel(deps, proxy, req, path.slice('/v1/models/'.length))
        .then((entry) => writeJson(res, 200, entry))
        .catch((err) => writeError(res, err, style, deps.log));
      return true;
    }
    try {
      authenticateInference(deps, req);
      const allow = isList || isModel ? 'GET, HEAD' : 'POST';
      throw new AppError(
        'method_not_allowed',
        `${req.method} ${path} is not served; use ${allow}`,
        {
          headers: { Allow: allow },
        },
      );
    } catch (err) {
      writeError(res, err, style, deps.log);
    }
    return true;
  };
}

/**
 * POST /v1/*: read the body, find `model`, check the key, forward. Callback-driven: a request
 * for a running instance reaches the backend without a promise or a microtask turn (the
 * on-demand start path is the only asynchronous one).
 */
function routeByModel(
  deps: RoutingDeps,
  proxy: ReverseProxy,
  req: IncomingMessage,
  res: ServerResponse,
  style: ErrorStyle,
): void {
  const auth = authenticateInference(deps, req);
  readBodyThen(req, deps.config.server.max_body_bytes, (err, body) => {
    try {
      if (err) throw err;
      forwardByModel(deps, proxy, req, res, auth, body!, style)?.catch((e: unknown) =>
        writeError(res, e, style, deps.log),
      );
    } catch (e) {
      writeError(res, e, style, deps.log);
    }
  });
}

function forwardByModel(
  deps: RoutingDeps,
  proxy: ReverseProxy,
  req: IncomingMessage,
  res: ServerResponse,
  auth: RoutingAuthContext,
  raw: Buffer,
  style: ErrorStyle,
): Promise<void> | undefined {
  let body = raw;
  const { model, span } = locateModel(body);
  const instance = findInstance(deps, splitModel(model).instance);
  if (!instance) {
    throw new AppError(
      'model_not_found',
      `The model '${model}' does not exist: no instance is named '${splitModel(model).instance}'`,
    );
  }
  assertCanAccess(deps, auth, instance);
  // A remote instance gets the model exactly as sent: its node resolves it like we would.
  const upstream = deps.remote?.isRemote(instance)
    ? model
    : upstreamModel(model, backendModel(instance.options));
  if (upstream !== model) body = replaceModel(body, upstream, span);
  return forwardToInstance(deps, proxy, req, res, {
    instance,
    autostart: true,
    path: req.url ?? '/',
    body,
    style,
    model,
    keyName: deps.auth.keyName(auth),
  });
}

function findInstance(deps: RoutingDeps, name: string): Instance | undefined {
  try {
    return deps.instances.find(name);
  } catch {
    // A string that cannot be an instance name is simply not a model we serve.
    return undefined;
  }
}

/**
 * Whether a request for the instance can be answered: it runs (or is on its way up), or it is
 * stopped and on-demand start would start it. A `failed` instance is left out (its last start
 * failed; a request would only repeat that) and so is a stopped one without on-demand start
 * (a request gets 503 `instance_not_running`). Clients pick models from this list, so it holds
 * only models that answer.
 */
export function isReachable(inst: Instance): boolean {
  if (inst.status === 'running') return true;
  return inst.options.on_demand_start === true && inst.status !== 'failed';
}

/**
 * Every reachable single-model instance the key may use by name, and `instance/model` for the models of
 * running router-mode llama.cpp instances (asked with a short timeout; a backend that does not
 * answer in time only loses its entries, never the listing). A router-mode instance's bare name
 * is not listed, as in llamactl: used as a model it answers 400 (it needs `instance/model`).
 */
export async function listModels(
  deps: RoutingDeps,
  proxy: ReverseProxy,
  req: IncomingMessage,
): Promise<ModelEntry[]> {
  const auth = authenticateInference(deps, req);
  const visible = deps.instances.list().filter((i) => isReachable(i) && canAccess(deps, auth, i));
  const perInstance = await Promise.all(
    visible.map(async (inst): Promise<ModelEntry[]> => {
      const created = inst.created ?? 0;
      const own: ModelEntry = { id: inst.name, object: 'model', created, owned_by: 'llamactl' };
      if (!isRouterMode(inst)) return [own];
      if (inst.status !== 'running') return [];
      const ids = await (
        deps.remote?.isRemote(inst)
          ? deps.remote.routerModelIds(inst, ROUTER_MODELS_TIMEOUT_MS)
          : routerModelIds(deps, proxy, inst)
      ).catch(() => [] as string[]);
      return [
        ...ids.map((id): ModelEntry => ({
          id: `${inst.name}/${id}`,
          object: 'model',
          created,
          owned_by: inst.name,
        })),
      ];
    }),
  );
  return perInstance.flat();
}

async function retrieveModel(
  deps: RoutingDeps,
  proxy: ReverseProxy,
  req: IncomingMessage,
  rawId: string,
): Promise<ModelEntry> {
  let id: string;
  try {
    id = decodeURIComponent(rawId);
  } catch {
    id = rawId;
  }
  const entry = (await listModels(deps, proxy, req)).find((m) => m.id === id);
  if (!entry) throw new AppError('model_not_found', `The model '${id}' does not exist`);
  return entry;
}

/** A llama.cpp instance without a model of its own serves several (`--models-dir`, presets). */
export function isRouterMode(inst: Instance): boolean {
  return findBackend(inst.options.backend_type)?.routerMode === true && !backendModel(inst.options);
}

async function routerModelIds(
  deps: RoutingDeps,
  proxy: ReverseProxy,
  inst: Instance,
): Promise<string[]> {
  const apiKey = inst.options.backend_options?.api_key;
  const headers: Record<string, string> =
    typeof apiKey === 'string' && apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  const parsed = (await proxy.getJson(
    deps.instances.target(inst.name),
    '/models',
    headers,
    ROUTER_MODELS_TIMEOUT_MS,
  )) as {
    data?: unknown;
  };
  const data = Array.isArray(parsed?.data) ? parsed.data : [];
  return data
    .map((m) => (m && typeof m === 'object' ? (m as { id?: unknown }).id : undefined))
    .filter((id): id is string => typeof id === 'string' && id !== '');
}
