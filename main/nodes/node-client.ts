import { Pool } from 'undici';
import { AppError, ERROR_STATUS, type ErrorCode } from '../../shared/errors';

/** Management calls that return at once (get, list, version, start, logs). */
export const QUICK_CALL_MS = 30_000;
/** Calls that may wait for a backend to stop on the node (drain up to 30 s, then a kill grace). */
export const SLOW_CALL_MS = 120_000;

/** Header telling a node that a request was forwarded by another server (no further fan-out). */
export const FORWARDED_HEADER = 'x-llamactl-forwarded-by';

export interface NodeEndpoint {
  name: string;
  address: string;
  apiKey?: string;
  /** connection and status-check timeout, ms */
  timeoutMs: number;
}

export interface NodeReply {
  status: number;
  contentType: string;
  body: Buffer;
}

export interface CallOptions {
  body?: unknown;
  /** whole-call deadline, ms (QUICK_CALL_MS when absent) */
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/** Splits a node address into its origin and base path ("" or "/prefix", no trailing slash). */
export function parseNodeAddress(
  name: string,
  address: string,
): { origin: string; basePath: string } {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new AppError(
      'invalid_node_address',
      `node ${name}: address ${JSON.stringify(address)} is not a URL such as http://10.0.0.2:8080`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError(
      'invalid_node_address',
      `node ${name}: address must start with http:// or https:// (got ${JSON.stringify(address)})`,
    );
  }
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
}

/**
 * One remote node's management API: a keep-alive pool to its address, the node's key as
 * Bearer, a short connect timeout (a dead machine fails in `timeoutMs`, not in the OS's
 * minutes) and a deadline per call. Errors are AppErrors naming the node.
 */
export class NodeClient {
  readonly origin: string;
  readonly basePath: string;
  readonly pool: Pool;

  constructor(readonly endpoint: NodeEndpoint) {
    const { origin, basePath } = parseNodeAddress(endpoint.name, endpoint.address);
    this.origin = origin;
    this.basePath = basePath;
    this.pool = new Pool(origin, {
      connect: { timeout: endpoint.timeoutMs },
      // Streams proxied through this pool can be silent for minutes; calls set their own deadline.
      headersTimeout: 0,
      bodyTimeout: 0,
      keepAliveTimeout: 4_000,
    });
  }

  get name(): string {
    return this.endpoint.name;
  }

  /** Headers carrying the node's key (none when the node has no key: the caller's never leaks). */
  authHeaders(): Record<string, string> {
    return this.endpoint.apiKey ? { authorization: `Bearer ${this.endpoint.apiKey}` } : {};
  }

  /** A raw exchange; only transport failures throw (as `node_unreachable`). */
  async call(method: string, path: string, opts: CallOptions = {}): Promise<NodeReply> {
    const timeoutMs = opts.timeoutMs ?? QUICK_CALL_MS;
    const headers: Record<string, string> = { ...this.authHeaders(), ...opts.headers };
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    try {
      const res = await this.pool.request({
        path: this.basePath + path,
        method: method as 'GET',
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const buf = Buffer.from(await res.body.arrayBuffer());
      const ct = res.headers['content-type'];
      return {
        status: res.statusCode,
        contentType: Array.isArray(ct) ? ct[0] : (ct ?? ''),
        body: buf,
      };
    } catch (err) {
      throw this.unreachable(err, timeoutMs);
    }
  }

  /** A JSON call: 2xx -> parsed body (undefined for 204); otherwise the node's error, re-thrown. */
  async json<T>(method: string, path: string, opts: CallOptions = {}): Promise<T> {
    const reply = await this.call(method, path, opts);
    if (reply.status < 200 || reply.status > 299) throw this.remoteError(reply);
    if (reply.status === 204 || reply.body.length === 0) return undefined as T;
    try {
      return JSON.parse(reply.body.toString('utf8')) as T;
    } catch {
      throw new AppError(
        'node_error',
        `node ${this.name} answered ${method} ${path} with something other than JSON`,
      );
    }
  }

  /** A text call (logs, version). */
  async text(method: string, path: string, opts: CallOptions = {}): Promise<string> {
    const reply = await this.call(method, path, opts);
    if (reply.status < 200 || reply.status > 299) throw this.remoteError(reply);
    return reply.body.toString('utf8');
  }

  /**
   * The node's error with its own code and status when we know the code (a 404
   * `instance_not_found` there is a 404 here), details prefixed with the node's name.
   */
  remoteError(reply: NodeReply): AppError {
    const text = reply.body.toString('utf8');
    let code: string | undefined;
    let details = text.trim().slice(0, 2000);
    try {
      const parsed = JSON.parse(text) as { error?: unknown; details?: unknown };
      if (typeof parsed.error === 'string') code = parsed.error;
      else if (parsed.error && typeof parsed.error === 'object') {
        const e = parsed.error as { message?: unknown; code?: unknown };
        if (typeof e.code === 'string') code = e.code;
        if (typeof e.message === 'string') details = e.message;
      }
      if (typeof parsed.details === 'string') details = parsed.details;
    } catch {
      // not JSON: keep the text
    }
    // Never a 401/403 here for the node's refusal: the client's own key and host were fine.
    if (reply.status === 401) {
      return new AppError(
        'node_error',
        `node ${this.name} refused our key (401): check nodes.${this.name}.api_key, it must be a management key of that node`,
      );
    }
    if (reply.status === 403) {
      return new AppError(
        'node_error',
        `node ${this.name} refused the request (403 ${code ?? ''}): ${details}`,
      );
    }
    if (code && code in ERROR_STATUS && ERROR_STATUS[code as ErrorCode] === reply.status) {
      return new AppError(code as ErrorCode, `node ${this.name}: ${details || code}`);
    }
    return new AppError(
      'node_error',
      `node ${this.name} answered ${reply.status}: ${details || '(empty body)'}`,
    );
  }

  unreachable(err: unknown, timeoutMs: number): AppError {
    const e = err as Error & { code?: string; cause?: { code?: string } };
    const timedOut =
      e?.name === 'TimeoutError' ||
      e?.name === 'AbortError' ||
      e?.code === 'UND_ERR_CONNECT_TIMEOUT';
    const why = timedOut
      ? `no answer within ${timeoutMs} ms`
      : (e?.code ?? e?.cause?.code ?? e?.message ?? String(err));
    return new AppError(
      'node_unreachable',
      `node ${this.name} (${this.endpoint.address}) is unreachable: ${why}`,
    );
  }

  close(): Promise<void> {
    return this.pool.destroy().catch(() => undefined);
  }
}
