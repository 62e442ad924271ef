import type { IncomingMessage, ServerResponse } from 'node:http';
import { ipMatcher } from '../../config/ip-ranges';
import type { AppConfig } from '../../config/schema';
import { splitHost, type Refuse } from './host-check';

/**
 * CORS from `server.allowed_origins` / `server.allowed_headers`, with go-chi/cors's semantics
 * (llamactl): `*` allows every origin and answers `Access-Control-Allow-Origin: *`; an entry may
 * hold one `*` wildcard (`http://*.example.com`); matching ignores case; methods GET, POST, PUT,
 * DELETE, OPTIONS; no credentials; preflights are answered here (200, empty) and never reach auth.
 *
 * Our default is an empty list, where llamactl's is `*`: no page on another origin may read
 * from or drive this API. On top of the browser-enforced rules, a request whose `Origin` is
 * neither this server's own nor allowed is refused with 403 before it reaches any handler,
 * because "simple" cross-origin requests (a form POST) are sent without a preflight and CORS
 * would only hide their response, not stop their effect.
 */
export interface CorsPolicy {
  anyOrigin: boolean;
  exact: Set<string>;
  patterns: Array<{ prefix: string; suffix: string }>;
  anyHeader: boolean;
  headers: Set<string>;
  /** peers whose X-Forwarded-Host / -Proto are believed (`server.trusted_proxies`) */
  trustedProxy: (address: string | undefined) => boolean;
}

const ALLOWED_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'];

export function corsPolicy(config: AppConfig): CorsPolicy {
  const p: CorsPolicy = {
    anyOrigin: false,
    exact: new Set(),
    patterns: [],
    anyHeader: false,
    headers: new Set(),
    trustedProxy: ipMatcher(config.server.trusted_proxies),
  };
  for (const raw of config.server.allowed_origins) {
    const o = raw.trim().toLowerCase();
    if (!o) continue;
    if (o === '*') p.anyOrigin = true;
    else if (o.includes('*')) {
      const i = o.indexOf('*');
      p.patterns.push({ prefix: o.slice(0, i), suffix: o.slice(i + 1) });
    } else p.exact.add(o);
  }
  for (const raw of config.server.allowed_headers) {
    const h = raw.trim().toLowerCase();
    if (h === '*') p.anyHeader = true;
    else if (h) p.headers.add(h);
  }
  return p;
}

export function isAllowedOrigin(origin: string, p: CorsPolicy): boolean {
  if (p.anyOrigin) return true;
  const o = origin.toLowerCase();
  if (p.exact.has(o)) return true;
  return p.patterns.some(
    (w) =>
      o.length >= w.prefix.length + w.suffix.length &&
      o.startsWith(w.prefix) &&
      o.endsWith(w.suffix),
  );
}

const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' };

/**
 * The page was served by this very server: the Origin's host and port are the ones the browser
 * addressed (the Host header). A Host without a port means the default port of the scheme the
 * browser spoke, which is the Origin's scheme unless a trusted proxy told us otherwise
 * (`scheme`, from X-Forwarded-Proto): behind a TLS proxy that keeps the Host, Origin
 * `https://name` and Host `name` are the same origin (port 443 both).
 */
export function isSameOrigin(
  origin: string,
  hostHeader: string | undefined,
  scheme?: 'http:' | 'https:',
): boolean {
  if (!hostHeader) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file://) and garbage
  }
  const defaultPort = DEFAULT_PORT[url.protocol];
  if (!defaultPort) return false;
  if (scheme && scheme !== url.protocol) return false;
  const a = splitHost(url.host);
  const b = splitHost(hostHeader);
  return a.name === b.name && (a.port || defaultPort) === (b.port || defaultPort);
}

/**
 * The Host and scheme the browser used. Behind a trusted proxy (`server.trusted_proxies`)
 * X-Forwarded-Host and X-Forwarded-Proto say them (the first entry: the proxy the browser
 * talked to); from any other peer those headers are ignored, since anyone can send them.
 */
export function browserView(
  p: CorsPolicy,
  req: IncomingMessage,
): { host: string | undefined; scheme?: 'http:' | 'https:' } {
  if (!p.trustedProxy(req.socket.remoteAddress)) return { host: req.headers.host };
  const first = (h: string | string[] | undefined) =>
    (Array.isArray(h) ? h[0] : h)?.split(',')[0].trim() || undefined;
  const proto = first(req.headers['x-forwarded-proto'])?.toLowerCase();
  return {
    host: first(req.headers['x-forwarded-host']) ?? req.headers.host,
    scheme: proto === 'https' || proto === 'http' ? `${proto}:` : undefined,
  };
}

function appendVary(res: ServerResponse, value: string): void {
  const prev = res.getHeader('Vary');
  res.setHeader('Vary', prev ? `${String(prev)}, ${value}` : value);
}

/**
 * Response headers a page may read: the pagination `Link` and what clients need from an error
 * or a cold start (request id, retry advice).
 */
const EXPOSED_HEADERS = 'Link, X-Request-Id, Request-Id, Retry-After, X-Should-Retry';

/**
 * Applies CORS to a request. Returns true when the request was fully answered here (preflight
 * or refused origin), false when it should go on to the routes. `refuse` writes the 403 for a
 * refused origin in the route's own error shape (the protocol routes); by default it is
 * llamactl's `{error, details}`.
 */
export function handleCors(
  p: CorsPolicy,
  req: IncomingMessage,
  res: ServerResponse,
  refuse?: Refuse,
): boolean {
  const origin = req.headers.origin;
  const preflight =
    req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
  if (preflight) {
    appendVary(res, 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
    const method = String(req.headers['access-control-request-method']).toUpperCase();
    const requested = String(req.headers['access-control-request-headers'] ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    const headersOk = p.anyHeader || requested.every((h) => p.headers.has(h.toLowerCase()));
    if (origin && isAllowedOrigin(origin, p) && ALLOWED_METHODS.includes(method) && headersOk) {
      res.setHeader('Access-Control-Allow-Origin', p.anyOrigin ? '*' : origin);
      res.setHeader('Access-Control-Allow-Methods', method);
      if (requested.length) res.setHeader('Access-Control-Allow-Headers', requested.join(', '));
      res.setHeader('Access-Control-Max-Age', '300');
    }
    res.statusCode = 200;
    res.setHeader('Content-Length', '0');
    res.end();
    return true;
  }
  appendVary(res, 'Origin');
  if (!origin) return false;
  if (isAllowedOrigin(origin, p)) {
    res.setHeader('Access-Control-Allow-Origin', p.anyOrigin ? '*' : origin);
    res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    return false;
  }
  const seen = browserView(p, req);
  if (isSameOrigin(origin, seen.host, seen.scheme)) return false;
  const details = `Origin ${JSON.stringify(origin)} may not use this server; add it to server.allowed_origins (LLAMACTL_ALLOWED_ORIGINS) to allow it`;
  if (refuse) {
    refuse(req, res, details);
    return true;
  }
  const body = JSON.stringify({ error: 'forbidden_origin', details }) + '\n';
  res.statusCode = 403;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
  return true;
}
