import { useAuthStore } from './auth-store';
import { noteReachable, noteUnreachable, ServerUnreachableError } from './connection';
import { desktop } from './desktop';

/** A non-2xx answer, with llamactl's `{error, details}` body parsed when present. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: string;
  constructor(status: number, code: string, details: string) {
    super(details || code || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/**
 * The server's base URL, ending in '/'. Inside the desktop app the preload names it; in a
 * browser the page itself is served by the server, so document.baseURI works even under a
 * reverse-proxy sub-path.
 */
export function serverBase(): string {
  const d = desktop();
  if (d?.serverUrl) return d.serverUrl.endsWith('/') ? d.serverUrl : `${d.serverUrl}/`;
  const base = new URL('.', document.baseURI).href;
  return base.endsWith('/') ? base : `${base}/`;
}

export function apiUrl(path: string): string {
  return `${serverBase()}api/v1${path}`;
}

async function errorFrom(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text);
    if (typeof body?.error === 'string')
      return new ApiError(res.status, body.error, body.details ?? '');
    if (body?.error?.message)
      return new ApiError(res.status, body.error.code ?? body.error.type ?? '', body.error.message);
  } catch {
    // not JSON: fall through to the raw text
  }
  return new ApiError(
    res.status,
    `http_${res.status}`,
    text.trim() || res.statusText || `HTTP ${res.status}`,
  );
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
  /** don't send the user back to sign-in on 401 (the sign-in check itself) */
  keepSessionOn401?: boolean;
  /** explicit key (sign-in validation before the key is stored) */
  key?: string | null;
}

async function send(path: string, opts: RequestOptions): Promise<Response> {
  const key = opts.key !== undefined ? opts.key : useAuthStore.getState().key;
  const headers: Record<string, string> = {};
  if (key) headers.Authorization = `Bearer ${key}`;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(apiUrl(path), {
      method: opts.method ?? 'GET',
      headers,
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
      signal: opts.signal,
    });
  } catch (err) {
    if (opts.signal?.aborted || (err as Error)?.name === 'AbortError') throw err;
    // no answer at all ("Failed to fetch"): one banner says so, not an error per request
    noteUnreachable();
    throw new ServerUnreachableError(serverBase());
  }
  noteReachable();
  if (!res.ok) {
    const err = await errorFrom(res);
    if (res.status === 401 && !opts.keepSessionOn401 && !desktop()) {
      useAuthStore
        .getState()
        .signOut('Your session ended: the management key was not accepted. Sign in again.');
    }
    throw err;
  }
  return res;
}

export async function apiJson<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(path, opts);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export async function apiText(path: string, opts: RequestOptions = {}): Promise<string> {
  const res = await send(path, opts);
  return res.text();
}

/** A streaming response body (logs), with the same auth and error handling. */
export async function apiStream(path: string, opts: RequestOptions = {}): Promise<Response> {
  return send(path, opts);
}

let early: { key: string | null; promise: Promise<unknown> } | null = null;

/**
 * Starts the sign-in check's request while the app is still mounting (called from main.tsx),
 * so the network round trip overlaps React's start-up. The first caller with the same key
 * takes the promise; later calls fetch normally.
 */
export function prefetchJson(path: string, key: string | null): void {
  const promise = apiJson(path, { key, keepSessionOn401: true });
  promise.catch(() => undefined);
  early = { key, promise };
}

export function takePrefetched<T>(key: string | null): Promise<T> | null {
  if (!early || early.key !== key) return null;
  const p = early.promise as Promise<T>;
  early = null;
  return p;
}

let probe: Promise<void> | null = null;

/**
 * Asks the server whether it answers (`GET /version`); the answer, or its absence, updates the
 * connection state. Concurrent callers (the event stream, the banner's monitor) share one request.
 */
export function probeServer(): Promise<void> {
  probe ??= apiJson('/version')
    .then(
      () => undefined,
      () => undefined,
    )
    .finally(() => {
      probe = null;
    });
  return probe;
}
