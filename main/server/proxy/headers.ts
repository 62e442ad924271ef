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
  'transfer-encoding',
];

/**
 * Request headers never forwarded: hop-by-hop ones; the client's credentials (llamactl leaks the
 * llamactl key to local backends, §12 item 20); `Expect` (Node already answered 100-continue);
 * the body framing (set again for the body actually sent); forwarding headers (rebuilt).
 */
const REQUEST_DROP = new Set([
  ...HOP_BY_HOP,
  'authorization',
  'x-api-key',
  'expect',
  'content-length',
  'x-forwarded-for',
]);

/** llamactl's own CORS layer answers for the backend; duplicates confuse browsers. */
const RESPONSE_DROP = new Set([
  ...HOP_BY_HOP,
  'access-control-allow-origin',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-allow-credentials',
  'access-control-max-age',
  'access-control-expose-headers',
]);

/** Extra names a Connection header lists as hop-by-hop (never the body length). */
function connectionTokens(connection: string | undefined): Set<string> | null {
  if (!connection) return null;
  const lower = connection.toLowerCase();
  if (lower === 'keep-alive' || lower === 'close') return null;
  const out = new Set<string>();
  for (const t of lower.split(',')) {
    const name = t.trim();
    if (name && name !== 'content-length') out.add(name);
  }
  return out;
}

export interface UpstreamHeaderInput {
  /** the client's headers as received (name, value, name, value, …) */
  rawHeaders: readonly string[];
  /** the client's Connection header, if any */
  connection?: string;
  /** the backend's own `api_key` option, sent instead of the client's credentials */
  backendKey?: string;
  /** the client's address, appended to X-Forwarded-For */
  remoteAddress?: string;
  /** length of the body being sent; undefined when the request streams through */
  bodyLength?: number;
  /** the client's Content-Length, kept for a streamed body */
  clientContentLength?: string;
  /**
   * Headers set over the client's (a remote node's key, the forwarded-by marker); a client
   * header of the same name is dropped. Names in lower case.
   */
  set?: Readonly<Record<string, string>>;
  /** the Host to send instead of the client's (a node checks Host against its own allow-list) */
  host?: string;
  /** our request id, sent as `x-request-id` over the client's (the backend can log it) */
  requestId?: string;
}

/**
 * The headers to send upstream (a local backend or a remote node: one policy), as a flat
 * name/value list built in one pass over the client's raw headers (names keep their case;
 * nothing is deleted from the request object, which keeps the hot path free of slow
 * dictionary-mode objects).
 */
export function upstreamRequestHeaders(input: UpstreamHeaderInput): string[] {
  const extra = connectionTokens(input.connection);
  const raw = input.rawHeaders;
  const out: string[] = [];
  let forwardedFor = '';
  let hasForwardedHost = false;
  let hasForwardedProto = false;
  let host = '';
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const lower = name.toLowerCase();
    if (lower === 'x-forwarded-for') {
      forwardedFor = forwardedFor ? `${forwardedFor}, ${raw[i + 1]}` : raw[i + 1];
      continue;
    }
    if (REQUEST_DROP.has(lower) || (extra !== null && extra.has(lower))) continue;
    if (input.set !== undefined && Object.hasOwn(input.set, lower)) continue;
    if (lower === 'x-request-id' && input.requestId !== undefined) continue;
    if (lower === 'host') {
      host = raw[i + 1];
      if (input.host !== undefined) continue;
    } else if (lower === 'x-forwarded-host') hasForwardedHost = true;
    else if (lower === 'x-forwarded-proto') hasForwardedProto = true;
    out.push(name, raw[i + 1]);
  }
  if (input.host !== undefined) out.push('host', input.host);
  if (input.set !== undefined) for (const k in input.set) out.push(k, input.set[k]);
  if (input.backendKey) out.push('authorization', `Bearer ${input.backendKey}`);
  if (input.requestId !== undefined) out.push('x-request-id', input.requestId);
  if (input.bodyLength !== undefined) out.push('content-length', String(input.bodyLength));
  else if (input.clientContentLength !== undefined)
    out.push('content-length', input.clientContentLength);
  const ip = input.remoteAddress ?? '';
  out.push('x-forwarded-for', forwardedFor ? `${forwardedFor}, ${ip}` : ip);
  if (!hasForwardedHost && host) out.push('x-forwarded-host', host);
  if (!hasForwardedProto) out.push('x-forwarded-proto', 'http');
  return out;
}

/**
 * A backend's response headers for the client, from undici's raw header list (name, value, …
 * as Buffers), as a flat list for `res.writeHead` (no header object is built on either side;
 * repeated headers such as Set-Cookie stay repeated): hop-by-hop headers and the framing go
 * (Node frames the response itself), the backend's CORS headers go, and the backend config's
 * `response_headers` are set over whatever the backend sent; `varyOrigin` adds `Vary: Origin`
 * (see http-server.ts). `length` is the backend's Content-Length (null when it framed the body
 * otherwise: chunked, or until the connection closes).
 */
export function clientResponseHeaders(
  raw: readonly (Buffer | string)[],
  extra: Readonly<Record<string, string>> | undefined,
  varyOrigin = false,
  requestId?: { id: string; anthropic: boolean },
): { headers: string[]; length: number | null } {
  const out: string[] = [];
  let length: number | null = null;
  let connection: string | undefined;
  let overridden: Set<string> | null = null;
  if (extra) {
    overridden = new Set();
    for (const k in extra) overridden.add(k.toLowerCase());
  }
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i].toString('latin1').toLowerCase();
    const value = raw[i + 1].toString('latin1');
    if (lower === 'content-length') {
      const n = Number(value);
      length = Number.isSafeInteger(n) && n >= 0 ? n : null;
    } else if (lower === 'connection') connection = value;
    if (RESPONSE_DROP.has(lower) || (overridden !== null && overridden.has(lower))) continue;
    // Ours replace a backend's own (vLLM can send one): the client sees one id per request.
    if (requestId !== undefined && (lower === 'x-request-id' || lower === 'request-id')) continue;
    out.push(lower, value);
  }
  const named = connectionTokens(connection);
  const headers = named === null ? out : out.filter((_, i) => !named.has(out[i - (i % 2)]));
  if (extra) for (const k in extra) headers.push(k.toLowerCase(), extra[k]);
  // A second Vary line adds to the backend's own (RFC 9110 §5.3).
  if (varyOrigin) headers.push('vary', 'Origin');
  if (requestId !== undefined) {
    headers.push('x-request-id', requestId.id);
    if (requestId.anthropic) headers.push('request-id', requestId.id);
  }
  return { headers, length };
}

/**
 * Removes every `api_key` query parameter (a key given as `?api_key=` must not reach the
 * backend either); the rest of the query string is kept byte for byte. Names are compared
 * decoded, exactly as `extractKey` reads them (URLSearchParams), so `?api%5Fkey=` is stripped too.
 */
export function stripApiKeyParam(url: string): string {
  const q = url.indexOf('?');
  if (q < 0 || (!url.includes('api_key', q) && !url.includes('%', q))) return url;
  const kept = url
    .slice(q + 1)
    .split('&')
    .filter((part) => {
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      if (name === 'api_key') return false;
      return !name.includes('%') || new URLSearchParams(name).keys().next().value !== 'api_key';
    });
  return kept.length ? `${url.slice(0, q)}?${kept.join('&')}` : url.slice(0, q);
}
