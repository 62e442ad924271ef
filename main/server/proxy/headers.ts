import type { IncomingHttpHeaders } from 'node:http';

/** RFC 9110 §7.6.1 connection-specific headers, plus the non-standard ones proxies also drop. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
];

/** The client's llamactl key must not reach a local backend (llamactl leaks it, §12 item 20). */
const CLIENT_CREDENTIALS = ['authorization', 'x-api-key'];

/** llamactl's own CORS layer answers for the backend; duplicates confuse browsers. */
const BACKEND_CORS = [
  'access-control-allow-origin',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-allow-credentials',
  'access-control-max-age',
  'access-control-expose-headers',
];

function dropConnectionTokens(headers: Record<string, unknown>): void {
  const conn = headers.connection;
  if (typeof conn !== 'string') return;
  for (const token of conn.split(',')) {
    const name = token.trim().toLowerCase();
    // The Connection header may name end-to-end headers by mistake; never drop the body framing.
    if (name && name !== 'content-length') delete headers[name];
  }
}

/**
 * Prepares the client's headers for forwarding to a local backend, in place: hop-by-hop headers
 * and the client's credentials go; `Expect` goes too because Node has already answered
 * `100-continue` to the client. `backendKey` (the backend's own `api_key` option) replaces them.
 */
export function prepareRequestHeaders(headers: IncomingHttpHeaders, backendKey?: string): void {
  const h = headers as Record<string, unknown>;
  dropConnectionTokens(h);
  for (const name of HOP_BY_HOP) delete h[name];
  for (const name of CLIENT_CREDENTIALS) delete h[name];
  delete h.expect;
  if (backendKey) h.authorization = `Bearer ${backendKey}`;
}

/**
 * Prepares a backend's response headers for the client, in place: hop-by-hop headers and the
 * framing go (Node frames the response itself), the backend's CORS headers go, and the
 * backend config's `response_headers` are set over whatever the backend sent.
 */
export function prepareResponseHeaders(
  headers: IncomingHttpHeaders,
  extra: Readonly<Record<string, string>> | undefined,
): void {
  const h = headers as Record<string, unknown>;
  dropConnectionTokens(h);
  for (const name of HOP_BY_HOP) delete h[name];
  delete h['transfer-encoding'];
  for (const name of BACKEND_CORS) delete h[name];
  if (extra) for (const [k, v] of Object.entries(extra)) h[k.toLowerCase()] = v;
}

/**
 * Removes every `api_key` query parameter (a key given as `?api_key=` must not reach the
 * backend either); the rest of the query string is kept byte for byte.
 */
export function stripApiKeyParam(url: string): string {
  const q = url.indexOf('?');
  if (q < 0 || !url.includes('api_key', q)) return url;
  const kept = url
    .slice(q + 1)
    .split('&')
    .filter((part) => {
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      return name !== 'api_key';
    });
  return kept.length ? `${url.slice(0, q)}?${kept.join('&')}` : url.slice(0, q);
}
