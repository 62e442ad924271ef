import type { IncomingMessage, ServerResponse } from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import { AppError } from '../../../shared/errors';
import type { Logger } from '../../logger';
import { writeError, type ErrorStyle } from './errors';
import { clientResponseHeaders, stripApiKeyParam, upstreamRequestHeaders } from './headers';

export interface ForwardOptions {
  /** instance name, for messages */
  instance: string;
  target: { host: string; port: number };
  /** path and query to request upstream (the route's prefix already removed) */
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
}

/** Requests that carry no body by HTTP's framing rules (no length, not chunked). */
function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return (len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * The reverse proxy behind /v1, /llama-cpp and the instance proxy. Forwarding is undici's
 * (a keep-alive connection pool per backend address, its HTTP/1.1 client), driven through the
 * low-level dispatch API so that every chunk the backend sends is written to the client as it
 * arrives (server-sent events flow unbuffered), back-pressure is honoured both ways, a client
 * that goes away aborts the upstream request, and a backend that cannot be reached becomes a
 * 502 with a JSON body. undici rather than http-proxy: the same job for about 40% less CPU per
 * request (docs/routing.md has the measurements).
 */
export class ReverseProxy {
  /** host -> port -> pool (two lookups, no key string built per request) */
  private readonly pools = new Map<string, Map<number, Pool>>();

  constructor(private readonly log: Logger) {}

  forward(req: IncomingMessage, res: ServerResponse, opts: ForwardOptions): void {
    const streamed = !opts.body && hasBody(req);
    const headers = upstreamRequestHeaders({
      rawHeaders: req.rawHeaders,
      connection: req.headers.connection,
      backendKey: opts.backendKey,
      remoteAddress: req.socket.remoteAddress,
      bodyLength: opts.body?.length,
      clientContentLength: opts.body ? undefined : req.headers['content-length'],
    });
    // undici frames a streamed body itself (chunked unless a length is given).
    const body: Dispatcher.DispatchOptions['body'] = opts.body ?? (streamed ? req : null);
    const exchange = new Exchange(this, res, opts);
    res.once('close', exchange.onClientClose);
    this.poolFor(opts.target).dispatch(
      { path: stripApiKeyParam(opts.path), method: req.method ?? 'GET', headers, body },
      exchange,
    );
  }

  /** 502 for a backend that could not be reached or reset before answering. */
  unreachable(res: ServerResponse, opts: ForwardOptions, err: Error & { code?: string }): void {
    this.log.warn('backend unreachable', {
      instance: opts.instance,
      code: err.code,
      message: err.message,
    });
    writeError(
      res,
      new AppError(
        'bad_gateway',
        `Instance "${opts.instance}" did not answer at ${opts.target.host}:${opts.target.port} (${err.code ?? err.message})`,
      ),
      opts.style,
      this.log,
    );
  }

  /** GET a small JSON document from a backend (router-mode /models), with a deadline. */
  async getJson(
    target: { host: string; port: number },
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
  private poolFor(target: { host: string; port: number }): Pool {
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
 * One proxied exchange, as the handler undici's HTTP/1.1 client drives. It implements the
 * client's own callback interface (onConnect/onHeaders/onData/onComplete/onError): undici adapts
 * the newer controller interface onto this one with a wrapper that also parses every response
 * header into an object, which the proxy does not need (it forwards the raw list). Methods live
 * on the prototype; the only per-request closures are the two listeners below.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private abort: ((err?: Error) => void) | null = null;
  private resume: (() => void) | null = null;
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
    if (!this.res.writableFinished && this.abort) this.abort(new Error('client disconnected'));
    this.end();
  };

  private readonly onDrain = (): void => this.resume?.();

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.opts.onEnd?.();
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
    if (this.res.destroyed) abort(new Error('client disconnected'));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    this.resume = resume;
    const res = this.res;
    const { headers, length } = clientResponseHeaders(
      rawHeaders,
      this.opts.responseHeaders,
      !res.hasHeader('vary'),
    );
    res.writeHead(statusCode, headers);
    this.remaining = length;
    // Headers go out at once: a stream that starts slowly must not look like a dead backend.
    if (length === null) res.flushHeaders();
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.remaining !== null) {
      this.remaining -= chunk.length;
      // The bytes that complete a Content-Length body: onComplete follows in the same parse,
      // so nothing waits; a stream (no length) is never held.
      if (this.remaining === 0) {
        this.last = chunk;
        return true;
      }
    }
    if (this.res.write(chunk)) return true;
    // A slow client pauses the upstream read until its socket drains.
    this.res.once('drain', this.onDrain);
    return false;
  }

  onComplete(): void {
    const last = this.last;
    this.last = null;
    if (last) this.res.end(last);
    else this.res.end();
  }

  onError(err: Error & { code?: string }): void {
    const res = this.res;
    if (res.destroyed || res.writableFinished) return;
    if (res.headersSent) {
      // The backend died mid-response: cutting the connection is the only honest signal.
      res.destroy();
      return;
    }
    this.proxy.unreachable(res, this.opts, err);
  }
}
