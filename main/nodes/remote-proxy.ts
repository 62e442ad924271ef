import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { AppError } from '../../shared/errors';
import type { Logger } from '../logger';
import { FORWARDED_HEADER, type NodeClient } from './node-client';
import { dropQueryParams } from './query';

export interface RemoteForward {
  /** path and query on the node (the same route as here: no prefix stripping) */
  path: string;
  /** a body already read by the route; otherwise the request is streamed */
  body?: Buffer;
  /** writes an error in the route's style (only called before any response byte was sent) */
  onError: (err: AppError) => void;
  /** the local node's name, sent so the node knows the request was forwarded */
  via: string;
  /** what the request is for, in the 502 message */
  what: string;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
  'transfer-encoding',
]);
/** Never forwarded to a node: the caller's credentials (the node's key replaces them) and framing. */
const REQUEST_DROP = new Set([
  ...HOP_BY_HOP,
  'authorization',
  'x-api-key',
  'expect',
  'content-length',
  'host',
]);
/** This server's CORS layer answered for the request; the node's would be duplicates. */
const RESPONSE_DROP = new Set([
  ...HOP_BY_HOP,
  'access-control-allow-origin',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-allow-credentials',
  'access-control-max-age',
  'access-control-expose-headers',
]);

function connectionTokens(connection: unknown): Set<string> {
  const out = new Set<string>();
  if (typeof connection !== 'string') return out;
  for (const t of connection.toLowerCase().split(',')) {
    const name = t.trim();
    if (name && name !== 'content-length' && name !== 'keep-alive' && name !== 'close')
      out.add(name);
  }
  return out;
}

/** The request headers for the node (a new object; the request is not modified). */
export function nodeRequestHeaders(
  incoming: IncomingHttpHeaders,
  add: Record<string, string>,
): Record<string, string | string[]> {
  const extra = connectionTokens(incoming.connection);
  const out: Record<string, string | string[]> = {};
  for (const name in incoming) {
    if (REQUEST_DROP.has(name) || extra.has(name)) continue;
    const v = incoming[name];
    if (v !== undefined) out[name] = v;
  }
  return Object.assign(out, add);
}

/** The node's response headers for the client. */
export function nodeResponseHeaders(
  incoming: IncomingHttpHeaders,
): Record<string, string | string[]> {
  const extra = connectionTokens(incoming.connection);
  const out: Record<string, string | string[]> = {};
  for (const name in incoming) {
    if (RESPONSE_DROP.has(name) || extra.has(name)) continue;
    const v = incoming[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return (len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Streams one request to a node and its answer back, chunk by chunk (server-sent events stay
 * unbuffered across the hop). The caller's credentials are replaced by the node's key (never
 * forwarded, also when the node has none); the node's CORS headers are dropped because this
 * server's CORS layer already answered for the request. A node that cannot be reached becomes
 * a 502 naming it.
 */
export function forwardToNode(
  client: NodeClient,
  req: IncomingMessage,
  res: ServerResponse,
  f: RemoteForward,
  log: Logger,
): void {
  const headers = nodeRequestHeaders(req.headers, {
    ...client.authHeaders(),
    [FORWARDED_HEADER]: f.via,
    // The node checks Host against its own allow-list (DNS rebinding protection).
    host: new URL(client.origin).host,
  });
  let body: Dispatcher.DispatchOptions['body'] = null;
  if (f.body) {
    headers['content-length'] = String(f.body.length);
    body = f.body;
  } else if (hasBody(req)) {
    const len = req.headers['content-length'];
    if (len !== undefined) headers['content-length'] = len;
    body = req;
  }

  let controller: Dispatcher.DispatchController | null = null;
  res.once('close', () => {
    if (!res.writableFinished && controller && !controller.aborted)
      controller.abort(new Error('client disconnected'));
  });

  const handler: Dispatcher.DispatchHandler = {
    onRequestStart: (c) => {
      controller = c;
      if (res.destroyed) c.abort(new Error('client disconnected'));
    },
    onResponseStart: (_c, statusCode, resHeaders) => {
      res.writeHead(statusCode, nodeResponseHeaders(resHeaders));
      if (resHeaders['content-length'] === undefined) res.flushHeaders();
    },
    onResponseData: (c, chunk) => {
      if (!res.write(chunk)) {
        c.pause();
        res.once('drain', () => c.resume());
      }
    },
    onResponseEnd: () => {
      res.end();
    },
    onResponseError: (_c, err: Error & { code?: string }) => {
      if (res.destroyed || res.writableFinished) return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      log.warn('node unreachable', { node: client.name, code: err.code, message: err.message });
      const e = client.unreachable(err, client.endpoint.timeoutMs);
      f.onError(new AppError('node_unreachable', `${f.what}: ${e.details}`));
    },
  };

  client.pool.dispatch(
    // A key given as ?api_key= is the caller's credential: it never reaches the node.
    {
      path: client.basePath + dropQueryParams(f.path, ['api_key']),
      method: req.method ?? 'GET',
      headers,
      body,
    },
    handler,
  );
}
