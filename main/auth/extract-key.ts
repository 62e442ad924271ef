import type { IncomingHttpHeaders } from 'node:http';

/**
 * The key a client presented, first match wins (llamactl's order): `Authorization: Bearer <key>`
 * (case-sensitive scheme, other schemes ignored), `X-API-Key`, then the `api_key` query
 * parameter (EventSource cannot set headers). Empty values count as absent.
 */
export function extractKey(headers: IncomingHttpHeaders, url: string | undefined): string | null {
  const authz = headers.authorization;
  if (typeof authz === 'string' && authz.startsWith('Bearer ')) {
    const key = authz.slice('Bearer '.length);
    if (key) return key;
  }
  const header = headers['x-api-key'];
  const xKey = Array.isArray(header) ? header[0] : header;
  if (xKey) return xKey;
  if (url) {
    const q = url.indexOf('?');
    if (q >= 0) {
      const fromQuery = new URLSearchParams(url.slice(q + 1)).get('api_key');
      if (fromQuery) return fromQuery;
    }
  }
  return null;
}
