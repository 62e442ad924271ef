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
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly log: Logger) {}

  forward(req: IncomingMessage, res: ServerResponse, opts: ForwardOptions): void {
    const streamed = !opts.body && hasBody(req);
    const clientLength = req.headers['content-length'];
    const headers = upstreamRequestHeaders({
      rawHeaders: req.rawHeaders,
      connection: req.headers.connection,
      backendKey: opts.backendKey,
      remoteAddress: req.socket.remoteAddress,
      bodyLength: opts.body?.length,
      clientContentLength: opts.body ? undefined : clientLength,
    });
    // undici frames a streamed body itself (chunked unless a length is given).
    const body: Dispatcher.DispatchOptions['body'] = opts.body ?? (streamed ? req : null);

    let ended = false;
    let controller: Dispatcher.DispatchController | null = null;
    const end = () => {
      if (ended) return;
      ended = true;
      opts.onEnd?.();
    };
    const onClientClose = () => {
      if (!res.writableFinished && controller && !controller.aborted) {
        controller.abort(new Error('client disconnected'));
      }
      end();
    };
    res.once('close', onClientClose);

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart: (c) => {
        controller = c;
        if (res.destroyed) c.abort(new Error('client disconnected'));
      },
      onResponseStart: (c, statusCode, resHeaders) => {
        res.writeHead(statusCode, clientResponseHeaders(resHeaders, opts.responseHeaders));
        // Headers go out at once: a stream that starts slowly must not look like a dead backend.
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
          // The backend died mid-response: cutting the connection is the only honest signal.
          res.destroy();
          return;
        }
        this.log.warn('backend unreachable', { instance: opts.instance, code: err.code, message: err.message });
        writeError(
          res,
          new AppError(
            'bad_gateway',
            `Instance "${opts.instance}" did not answer at ${opts.target.host}:${opts.target.port} (${err.code ?? err.message})`,
          ),
          opts.style,
          this.log,
        );
      },
    };

    this.poolFor(opts.target).dispatch(
      { path: stripApiKeyParam(opts.path), method: req.method ?? 'GET', headers, body },
      handler,
    );
  }

  /** GET a small JSON document from a backend (router-mode /models), with a deadline. */
  async getJson(target: { host: string; port: number }, path: string, headers: Record<string, string>, timeoutMs: number): Promise<unknown> {
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
    const key = `${target.host}:${target.port}`;
    let pool = this.pools.get(key);
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
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** Closes pooled backend connections (server shutdown). */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }
}
