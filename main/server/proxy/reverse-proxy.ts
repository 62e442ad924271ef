import http from 'node:http';
import httpProxy from 'http-proxy';
import { AppError } from '../../../shared/errors';
import type { Logger } from '../../logger';
import { writeError, type ErrorStyle } from './errors';
import { prepareRequestHeaders, prepareResponseHeaders, stripApiKeyParam } from './headers';

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

interface ExchangeContext {
  responseHeaders?: Readonly<Record<string, string>>;
  clientConnection?: string;
}

const kExchange = Symbol('llamactl.exchange');
type TaggedRequest = http.IncomingMessage & { [kExchange]?: ExchangeContext };

/**
 * The reverse proxy behind /v1, /llama-cpp and the instance proxy: http-proxy for the
 * forwarding, one keep-alive agent per backend address, unbuffered streaming (each chunk the
 * backend writes is written to the client as it arrives), client disconnects abort the
 * upstream request, and a backend that cannot be reached becomes a 502 with a JSON body.
 */
export class ReverseProxy {
  private readonly server = httpProxy.createProxyServer({
    xfwd: true,
    // The path is computed by the routes; toProxy skips http-proxy's per-request url.parse.
    toProxy: true,
    prependPath: false,
    ws: false,
  });
  private readonly agents = new Map<string, http.Agent>();

  constructor(private readonly log: Logger) {
    this.server.on('proxyReq', (proxyReq, req, res) => {
      const abort = () => {
        if (!res.writableFinished) proxyReq.destroy();
      };
      // The client may have left while the request waited for a backend socket.
      if (res.destroyed) abort();
      else res.once('close', abort);
    });
    this.server.on('proxyRes', (proxyRes, req) => {
      const ctx = (req as TaggedRequest)[kExchange];
      prepareResponseHeaders(proxyRes.headers, ctx?.responseHeaders);
      if (ctx?.clientConnection) proxyRes.headers.connection = ctx.clientConnection;
    });
  }

  forward(req: http.IncomingMessage, res: http.ServerResponse, opts: ForwardOptions): void {
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      opts.onEnd?.();
    };
    res.once('close', end);

    const headers = req.headers;
    const clientConnection = typeof headers.connection === 'string' ? headers.connection : undefined;
    prepareRequestHeaders(headers, opts.backendKey);
    (req as TaggedRequest)[kExchange] = { responseHeaders: opts.responseHeaders, clientConnection };
    req.url = stripApiKeyParam(opts.path);

    let buffer: httpProxy.ServerOptions['buffer'];
    if (opts.body) {
      const body = opts.body;
      headers['content-length'] = String(body.length);
      delete headers['transfer-encoding'];
      // http-proxy only calls .pipe(proxyReq) on this; ending with the bytes is all it needs.
      buffer = { pipe: (dest: NodeJS.WritableStream) => (dest.end(body), dest) } as unknown as httpProxy.ServerOptions['buffer'];
    }

    this.server.web(
      req,
      res,
      { target: opts.target, agent: this.agentFor(opts.target), buffer },
      (err: NodeJS.ErrnoException) => {
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
    );
  }

  /** The shared keep-alive agent for a backend address (also used for /models probes). */
  agentFor(target: { host: string; port: number }): http.Agent {
    const key = `${target.host}:${target.port}`;
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new http.Agent({
        keepAlive: true,
        maxSockets: Infinity,
        maxFreeSockets: 256,
        // Newest socket first: the least likely to have been closed by the backend's idle timer.
        scheduling: 'lifo',
        // Idle pooled sockets are dropped before common backend keep-alive timeouts (5 s).
        timeout: 4_000,
      });
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** Closes pooled backend connections (server shutdown). */
  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
    this.server.close();
  }
}
