import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import { AppError } from '../../../shared/errors';
import type { Logger } from '../../logger';
import { writeError, type ErrorStyle } from './errors';
import { requestIdOf } from './request-id';
import { clientResponseHeaders, stripApiKeyParam, upstreamRequestHeaders } from './headers';

/** A local backend: reached through this proxy's own keep-alive pool for its address. */
export interface AddressTarget {
  host: string;
  port: number;
}

/**
 * Another server (a remote node): its client's dispatcher, the path its API lives under, the
 * headers to set (its key, the forwarded-by marker) and what a failure to reach it means.
 * NodeService hands these out as plain values; only this module touches the HTTP exchange.
 */
export interface DispatcherTarget {
  dispatcher: Dispatcher;
  basePath: string;
  /** the Host the node expects */
  host: string;
  headers: Readonly<Record<string, string>>;
  /** the error for the client when the node could not be reached */
  unreachable(err: Error & { code?: string }): AppError;
}

export type ProxyTarget = AddressTarget | DispatcherTarget;

export interface ForwardOptions {
  /** instance name, for messages */
  instance: string;
  target: ProxyTarget;
  /** path and query to request upstream (for a node: below its base path) */
  path: string;
  /** a body already read (to find `model`); otherwise the request itself is streamed */
  body?: Buffer;
  /** the backend's own `api_key` option, sent instead of the client's credentials */
  backendKey?: string;
  /** the backend config's `response_headers` */
  responseHeaders?: Readonly<Record<string, string>>;
  style: ErrorStyle;
  /** called once when the exchange is over (finished, failed or abandoned by the client) */
  onEnd?: () => void;
  /** sees the response go by (activity records); it must not hold or change the chunks */
  observer?: ExchangeObserver;
}

export interface ExchangeObserver {
  onResponseStart(status: number, headers: IncomingHttpHeaders): void;
  onData(chunk: Buffer): void;
  /** once, when the exchange is over (with `onEnd`, from the same close listener) */
  onEnd(): void;
}

/** Requests that carry no body by HTTP's framing rules (no length, not chunked). */
function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return (len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined;
}

function isDispatcherTarget(t: ProxyTarget): t is DispatcherTarget {
  return (t as DispatcherTarget).dispatcher !== undefined;
}

/** A parsed header object as a flat list (only when undici gives no raw list). */
function flatHeaders(headers: IncomingHttpHeaders): string[] {
  const out: string[] = [];
  for (const name in headers) {
    const v = headers[name];
    if (Array.isArray(v)) for (const x of v) out.push(name, x);
    else if (v !== undefined) out.push(name, v);
  }
  return out;
}

/**
 * The one reverse proxy: /v1, /llama-cpp and the instance proxy to local backends, and the same
 * routes plus the live log stream to remote nodes. Forwarding is undici's (a keep-alive pool
 * per backend address, or the node client's pool), driven through `dispatch` with a handler of
 * undici's documented controller interface, so that every chunk is written to the client as it
 * arrives (server-sent events flow unbuffered), back-pressure is honoured both ways, a client
 * that goes away aborts the upstream request, and a target that cannot be reached becomes a 502
 * with a JSON body. One header policy (headers.ts) for every target. undici rather than
 * http-proxy: the same job for about 40% less CPU per request (docs/routing.md).
 */
export class ReverseProxy {
  /** host -> port -> pool (two lookups, no key string built per request) */
  private readonly pools = new Map<string, Map<number, Pool>>();

  constructor(private readonly log: Logger) {}

  forward(req: IncomingMessage, res: ServerResponse, opts: ForwardOptions): void {
    const target = opts.target;
    const remote = isDispatcherTarget(target) ? target : undefined;
    const streamed = !opts.body && hasBody(req);
    const headers = upstreamRequestHeaders({
      rawHeaders: req.rawHeaders,
      connection: req.headers.connection,
      backendKey: opts.backendKey,
      remoteAddress: req.socket.remoteAddress,
      bodyLength: opts.body?.length,
      clientContentLength: opts.body ? undefined : req.headers['content-length'],
      set: remote?.headers,
      host: remote?.host,
      requestId: requestIdOf(res),
    });
    // undici frames a streamed body itself (chunked unless a length is given).
    const body: Dispatcher.DispatchOptions['body'] = opts.body ?? (streamed ? req : null);
    const exchange = new Exchange(this, res, opts);
    res.once('close', exchange.onClientClose);
    const path = stripApiKeyParam(opts.path);
    const dispatcher = remote ? remote.dispatcher : this.poolFor(target as AddressTarget);
    dispatcher.dispatch(
      {
        path: remote ? remote.basePath + path : path,
        method: req.method ?? 'GET',
        headers,
        body,
      },
      exchange,
    );
  }

  /** 502 for a target that could not be reached or reset before answering. */
  unreachable(res: ServerResponse, opts: ForwardOptions, err: Error & { code?: string }): void {
    const target = opts.target;
    let error: AppError;
    if (isDispatcherTarget(target)) {
      error = target.unreachable(err);
      this.log.warn('node unreachable', { instance: opts.instance, message: error.details });
    } else {
      this.log.warn('backend unreachable', {
        instance: opts.instance,
        code: err.code,
        message: err.message,
      });
      error = new AppError(
        'bad_gateway',
        `Instance "${opts.instance}" did not answer at ${target.host}:${target.port} (${err.code ?? err.message})`,
      );
    }
    writeError(res, error, opts.style, this.log);
  }

  /** GET a small JSON document from a backend (router-mode /models), with a deadline. */
  async getJson(
    target: AddressTarget,
    path: string,
    headers: Record<string, string>,
    timeoutMs: number,
  ): Promise<unknown> {
    const res = await this.poolFor(target).request({
      path,
      method: 'GET',
      headers,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new Error(`status ${res.statusCode}`);
    }
    return res.body.json();
  }

  /** The keep-alive pool of a backend address. */
  private poolFor(target: AddressTarget): Pool {
    let byPort = this.pools.get(target.host);
    if (!byPort) {
      byPort = new Map();
      this.pools.set(target.host, byPort);
    }
    let pool = byPort.get(target.port);
    if (!pool) {
      const host = target.host.includes(':') ? `[${target.host}]` : target.host;
      pool = new Pool(`http://${host}:${target.port}`, {
        connections: null,
        // Generation can take minutes before the first byte and between tokens: no proxy timeouts
        // (llamactl has none either); client disconnects end requests instead.
        headersTimeout: 0,
        bodyTimeout: 0,
        keepAliveTimeout: 4_000,
      });
      byPort.set(target.port, pool);
    }
    return pool;
  }

  /** Closes pooled backend connections (server shutdown). */
  async close(): Promise<void> {
    const pools = [...this.pools.values()].flatMap((byPort) => [...byPort.values()]);
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }
}

/**
 * One proxied exchange, as undici's documented dispatch handler (onRequestStart,
 * onResponseStart, onResponseData, onResponseEnd, onResponseError). The response headers are
 * forwarded from the controller's raw list (latin1 bytes unchanged, repeated headers kept);
 * methods live on the prototype, the only per-request closures are the two listeners below.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private ended = false;
  /** body bytes still to come when the backend sent Content-Length, else null */
  private remaining: number | null = null;
  /** the body's final chunk, held back to go out with end() (one write less per response) */
  private last: Buffer | null = null;

  constructor(
    private readonly proxy: ReverseProxy,
    private readonly res: ServerResponse,
    private readonly opts: ForwardOptions,
  ) {}

  readonly onClientClose = (): void => {
    const c = this.controller;
    if (!this.res.writableFinished && c && !c.aborted) c.abort(new Error('client disconnected'));
    this.end();
  };

  private readonly onDrain = (): void => this.controller?.resume();

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.opts.onEnd?.();
    this.opts.observer?.onEnd();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.res.destroyed) controller.abort(new Error('client disconnected'));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    parsed: IncomingHttpHeaders,
  ): void {
    const res = this.res;
    const raw = controller.rawHeaders;
    const id = requestIdOf(res);
    const { headers, length } = clientResponseHeaders(
      Array.isArray(raw) ? raw : flatHeaders(parsed),
      this.opts.responseHeaders,
      !res.hasHeader('vary'),
      id === undefined ? undefined : { id, anthropic: this.opts.style === 'anthropic' },
    );
    res.writeHead(statusCode, headers);
    this.opts.observer?.onResponseStart(statusCode, parsed);
    this.remaining = length;
    // Headers go out at once: a stream that starts slowly must not look like a dead backend.
    if (length === null) res.flushHeaders();
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.opts.observer?.onData(chunk);
    if (this.remaining !== null) {
      this.remaining -= chunk.length;
      // The bytes that complete a Content-Length body: onResponseEnd follows in the same parse,
      // so nothing waits; a stream (no length) is never held.
      if (this.remaining === 0) {
        this.last = chunk;
        return;
      }
    }
    if (this.res.write(chunk)) return;
    // A slow client pauses the upstream read until its socket drains.
    controller.pause();
    this.res.once('drain', this.onDrain);
  }

  onResponseEnd(): void {
    const last = this.last;
    this.last = null;
    if (last) this.res.end(last);
    else this.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    const res = this.res;
    if (res.destroyed || res.writableFinished) return;
    if (res.headersSent) {
      // The target died mid-response: cutting the connection is the only honest signal.
      res.destroy();
      return;
    }
    this.proxy.unreachable(res, this.opts, err);
  }
}
