import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Instance } from '../../../shared/api/instances';
import { AppError } from '../../../shared/errors';
import { backendConfig } from '../../backends';
import { tapActivity, type ActivityTap } from './activity-tap';
import type { ErrorStyle } from './errors';
import type { ExchangeObserver, ReverseProxy } from './reverse-proxy';
import type { RoutingDeps } from './types';

export interface InstanceForward {
  instance: Instance;
  /** start a stopped instance first (on-demand start) instead of answering 503 */
  autostart: boolean;
  path: string;
  body?: Buffer;
  style: ErrorStyle;
  /** the `model` the client asked for (activity records) */
  model?: string;
  /** the name of the key the request came with (activity records; never the key) */
  keyName?: string | null;
}

/**
 * Everything between "this request is for that instance" and the bytes leaving: on-demand
 * start (or 503 when not running), the target address, bookkeeping (last use, in-flight),
 * then the reverse proxy. Throws (or, while an on-demand start is awaited, rejects) with
 * AppError; the caller writes it in its route's style. A running instance is forwarded
 * synchronously: the common case costs no promise; a promise is returned only while an
 * on-demand start is awaited.
 */
export function forwardToInstance(
  deps: RoutingDeps,
  proxy: ReverseProxy,
  req: IncomingMessage,
  res: ServerResponse,
  f: InstanceForward,
): Promise<void> | undefined {
  if (!deps.activity) return route(deps, proxy, req, res, f, undefined);
  const tap = tapActivity(deps.activity, req, res, {
    instance: f.instance.name,
    model: f.model ?? null,
    keyName: f.keyName ?? null,
  });
  // A forwarded request is recorded by the reverse proxy's end hook; one refused on the way
  // (not running, a failed on-demand start) when its error answer is over.
  try {
    return route(deps, proxy, req, res, f, tap)?.catch((err: unknown) => {
      tap.recordWhenClosed();
      throw err;
    });
  } catch (err) {
    tap.recordWhenClosed();
    throw err;
  }
}

function route(
  deps: RoutingDeps,
  proxy: ReverseProxy,
  req: IncomingMessage,
  res: ServerResponse,
  f: InstanceForward,
  observer: ActivityTap | undefined,
): Promise<void> | undefined {
  const { instance } = f;
  if (deps.remote?.isRemote(instance)) {
    // The node applies its own state checks, on-demand start and bookkeeping; the path is the
    // same route there.
    proxy.forward(req, res, {
      instance: instance.name,
      target: deps.remote.forwardTarget(instance),
      path: (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/',
      body: f.body,
      style: f.style,
      observer,
    });
    return undefined;
  }
  if (instance.status === 'shutting_down') {
    throw new AppError('instance_shutting_down', 'Instance is shutting down');
  }
  if (f.autostart) {
    if (instance.status !== 'running' || instance.health !== 'ready')
      return startThenSend(deps, proxy, req, res, f, observer);
  } else if (instance.status !== 'running') {
    throw new AppError('instance_not_running', 'Instance is not running');
  }
  send(deps, proxy, req, res, f, observer);
  return undefined;
}

async function startThenSend(
  deps: RoutingDeps,
  proxy: ReverseProxy,
  req: IncomingMessage,
  res: ServerResponse,
  f: InstanceForward,
  observer: ActivityTap | undefined,
) {
  const name = f.instance.name;
  const backoff = deps.startBackoff;
  // An instance that would be spawned again right after its on-demand start failed: the same
  // error at once (a start already under way, e.g. from the dashboard, is waited for as usual).
  if (backoff && (f.instance.status === 'failed' || f.instance.status === 'stopped')) {
    const failed = backoff.current(name);
    if (failed) throw failed;
  }
  // A client that gives up stops waiting; the start itself is shared and carries on.
  const ac = new AbortController();
  const onClose = () => ac.abort();
  res.once('close', onClose);
  try {
    await deps.instances.ensureReady(name, { signal: ac.signal });
  } catch (err) {
    if (err instanceof AppError && err.code === 'instance_start_failed')
      backoff?.remember(name, err);
    throw err;
  } finally {
    res.off('close', onClose);
  }
  if (res.destroyed) {
    // the client gave up while the instance started: recorded as abandoned
    observer?.recordWhenClosed();
    return;
  }
  send(deps, proxy, req, res, f, observer);
}

function send(
  deps: RoutingDeps,
  proxy: ReverseProxy,
  req: IncomingMessage,
  res: ServerResponse,
  f: InstanceForward,
  observer: ExchangeObserver | undefined,
): void {
  const { instance } = f;
  const target = deps.instances.target(instance.name);
  const onEnd = deps.instances.beginRequest(instance.name);
  const backendKey = instance.options.backend_options?.api_key;
  proxy.forward(req, res, {
    instance: instance.name,
    target,
    path: f.path,
    body: f.body,
    backendKey: typeof backendKey === 'string' && backendKey ? backendKey : undefined,
    responseHeaders: backendConfig(instance.options.backend_type, deps.config).response_headers,
    style: f.style,
    onEnd,
    observer,
  });
}
