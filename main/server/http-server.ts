import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Services } from '../services';
import { createApp, type AppOptions } from './create-app';
import { corsPolicy, handleCors } from './middleware/cors';
import { checkHost, hostPolicy, type Refuse } from './middleware/host-check';
import { routingDeps } from './proxy/deps';
import { createHotPath } from './proxy/hot-path';
import { ReverseProxy } from './proxy/reverse-proxy';
import { AppError } from '../../shared/errors';
import { errorStyleFor, writeError } from './proxy/errors';
import { assignRequestId, isProtocolPath, requestIdOf } from './proxy/request-id';

export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * The server's request listener. Hot-path routes (the OpenAI endpoint and instance proxies) are
 * dispatched here without Express; everything else goes to the Express app.
 */
export function createRequestHandler(services: Services, opts: AppOptions = {}): RequestHandler {
  // One reverse proxy (one keep-alive pool per backend) for the hot path and the /api/v1 proxies.
  const proxy = opts.proxy ?? new ReverseProxy(services.log.child('proxy'));
  const app = createApp(services, { ...opts, proxy });
  const hot = createHotPath(routingDeps(services), proxy);
  // Host check and CORS run in front of everything, hot-path routes included.
  const hosts = hostPolicy(services.config);
  const cors = corsPolicy(services.config);
  const log = services.log.child('proxy');
  const refuser =
    (code: 'forbidden_host' | 'forbidden_origin'): Refuse =>
    (req, res, details) =>
      writeError(res, new AppError(code, details), errorStyleFor(req.url ?? '/'), log);
  const refuseHost = refuser('forbidden_host');
  const refuseOrigin = refuser('forbidden_origin');
  return (req, res) => {
    // Protocol requests (/v1, /llama-cpp) get a request id before anything can answer them, and
    // their refusals come in the protocol's own error shape.
    const protocol = isProtocolPath(req.url);
    if (protocol) assignRequestId(req, res);
    if (!checkHost(hosts, req, res, protocol ? refuseHost : undefined)) return;
    // Most requests are not cross-origin: for those the CORS layer would only set
    // `Vary: Origin`, which the hot path writes itself in its single writeHead (a header set
    // beforehand with res.setHeader puts Node's writeHead on its slower merging path).
    const plain = req.headers.origin === undefined && req.method !== 'OPTIONS';
    if (plain && hot(req, res)) return;
    // Past here responses may come from the CORS layer or Express: they get the id as a header.
    if (protocol) res.setHeader('x-request-id', requestIdOf(res)!);
    if (handleCors(cors, req, res, protocol ? refuseOrigin : undefined)) return;
    if (!plain && hot(req, res)) return;
    app(req, res);
  };
}

export interface RunningServer {
  server: http.Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A server that owns its port but does not serve the API yet (see `bind`). */
export interface BoundServer {
  url: string;
  port: number;
  /** Serves the API from now on. */
  attach(services: Services, opts?: AppOptions): RunningServer;
  close(): Promise<void>;
}

const STARTING_BODY = JSON.stringify({
  error: 'server_starting',
  details: 'the server is starting; try again in a moment',
});

/**
 * Takes host:port (port 0 = any free port) before the services exist, so that a server whose
 * port is taken fails before it touches anything else (leftover backends of the data folder
 * are reaped only once the port is ours). Until `attach`, every request gets 503 with
 * Retry-After. Rejects with EADDRINUSE etc.
 */
export function bind(host: string, port: number): Promise<BoundServer> {
  let handler: RequestHandler = (_req, res) => {
    res.writeHead(503, {
      'Content-Type': 'application/json',
      'Retry-After': '1',
      'Content-Length': Buffer.byteLength(STARTING_BODY),
    });
    res.end(STARTING_BODY);
  };
  const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => handler(req, res));
  let proxy: ReverseProxy | null = null;
  const close = async () => {
    await new Promise<void>((res) => {
      server.close(() => res());
      server.closeAllConnections();
    });
    // Pooled keep-alive connections to backends go with the server.
    await proxy?.close();
  };
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const addr = server.address() as AddressInfo;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      const url = `http://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost}:${addr.port}`;
      resolve({
        url,
        port: addr.port,
        close,
        attach(services, opts = {}) {
          proxy = opts.proxy ?? new ReverseProxy(services.log.child('proxy'));
          handler = createRequestHandler(services, { ...opts, proxy });
          return { server, url, port: addr.port, close };
        },
      });
    });
  });
}

/** Listens on host:port and serves the API at once (tests, benchmarks, the desktop app). */
export async function listen(
  services: Services,
  host: string,
  port: number,
  opts: AppOptions = {},
): Promise<RunningServer> {
  return (await bind(host, port)).attach(services, opts);
}
