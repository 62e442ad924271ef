import type { ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { AppError, isAppError, NOT_RETRYABLE } from '../../../shared/errors';
import type { Logger } from '../../logger';
import { writeAuthError } from '../middleware/auth';
import { requestIdOf } from './request-id';

/**
 * The error shape a route answers in: OpenAI's on /v1 and /llama-cpp, Anthropic's on
 * /v1/messages (what Anthropic clients parse), llamactl's `{error, details}` on /api/v1.
 */
export type ErrorStyle = 'openai' | 'anthropic' | 'management';

/** Which error shape a request path (query string allowed) uses. */
export function errorStyleFor(path: string): ErrorStyle {
  if (
    path.startsWith('/v1/messages') &&
    (path.length === 12 || path[12] === '/' || path[12] === '?')
  )
    return 'anthropic';
  if (
    path.startsWith('/v1/') ||
    path === '/v1' ||
    path.startsWith('/v1?') ||
    path.startsWith('/llama-cpp/')
  )
    return 'openai';
  return 'management';
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id?: string;
}

/**
 * OpenAI's `type` is `invalid_request_error` for every 4xx it sends (unknown model, bad key,
 * missing permission alike) and `server_error` for 5xx.
 */
export function openAIErrorType(status: number): string {
  if (status >= 500) return 'server_error';
  if (status === 429) return 'rate_limit_error';
  return 'invalid_request_error';
}

/** OpenAI's `code`: its own names where it has one for the case, null for a missing key. */
export function openAIErrorCode(err: AppError): string | null {
  if (err.code === 'missing_api_key') return null;
  return err.code;
}

/** OpenAI's `param`: the request field at fault, null where none (always present). */
export function openAIErrorParam(err: AppError): string | null {
  if (err.param) return err.param;
  return err.code === 'model_not_found' ? 'model' : null;
}

/** Anthropic's `error.type` by status, as its API documents them. */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    case 504:
      return 'timeout_error';
  }
  return status >= 500 ? 'api_error' : 'invalid_request_error';
}

export function errorBody(err: AppError, style: ErrorStyle, requestId?: string): string {
  if (style === 'openai') {
    const body: OpenAIErrorBody = {
      error: {
        message: err.details,
        type: openAIErrorType(err.status),
        param: openAIErrorParam(err),
        code: openAIErrorCode(err),
      },
    };
    return JSON.stringify(body);
  }
  if (style === 'anthropic') {
    const body: AnthropicErrorBody = {
      type: 'error',
      error: { type: anthropicErrorType(err.status), message: err.details },
    };
    if (requestId !== undefined) body.request_id = requestId;
    return JSON.stringify(body);
  }
  const details = err.managementDetails;
  return JSON.stringify({ error: err.code, ...(details ? { details } : {}), ...err.fields });
}

/**
 * Every header an error response carries besides the framing: the request id (`x-request-id`;
 * Anthropic clients read `request-id`), `x-should-retry: false` on errors a retry meets again,
 * the error's own (Retry-After, Allow) and a Bearer challenge on the OpenAI 401s.
 */
export function errorHeaders(
  err: AppError,
  style: ErrorStyle,
  requestId: string | undefined,
): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (requestId !== undefined) {
    headers['x-request-id'] = requestId;
    if (style === 'anthropic') headers['request-id'] = requestId;
  }
  if (NOT_RETRYABLE.has(err.code)) headers['x-should-retry'] = 'false';
  if (style === 'openai' && err.status === 401) headers['www-authenticate'] = 'Bearer';
  if (err.headers) for (const k in err.headers) headers[k.toLowerCase()] = err.headers[k];
  return headers;
}

function isKeyFailure(e: AppError): boolean {
  return (
    e.code === 'missing_api_key' ||
    e.code === 'invalid_api_key' ||
    (e.code === 'unauthorized' &&
      (e.details === 'Missing API key' || e.details === 'Invalid API key'))
  );
}

/**
 * Writes an error without Express (the hot path has none), in the route's shape and with its
 * request id, and logs it with that id. Unknown errors become a 500 with the internals logged,
 * not sent. After the headers are out the only honest signal left is to cut the connection.
 */
export function writeError(
  res: ServerResponse,
  err: unknown,
  style: ErrorStyle,
  log: Logger,
): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const requestId = requestIdOf(res);
  let e: AppError;
  if (isAppError(err)) {
    e = err;
  } else {
    const id = requestId ?? randomUUID();
    log.error('unhandled error in proxy route', {
      request_id: id,
      error: String((err as Error)?.stack ?? err),
    });
    e = new AppError('internal_error', `Internal server error (request id ${id})`);
  }
  if (style === 'management' && isKeyFailure(e)) {
    // The same 401 as every other management route (llamactl's error body B).
    writeAuthError(res, e.details === 'Missing API key' ? 'Missing API key' : 'Invalid API key');
    return;
  }
  if (requestId !== undefined) {
    const fields = { request_id: requestId, status: e.status, code: e.code, message: e.details };
    if (e.status >= 500) log.warn('request failed', fields);
    else log.info('request refused', fields);
  }
  const body = errorBody(e, style, requestId);
  const headers: Record<string, string | number> = errorHeaders(e, style, requestId);
  headers['content-length'] = Buffer.byteLength(body);
  if (!res.hasHeader('vary')) headers.vary = 'Origin';
  // An unread oversized body would otherwise be drained before the next request on this socket.
  if (e.code === 'payload_too_large') headers.connection = 'close';
  res.writeHead(e.status, headers);
  res.end(body);
}

/** A JSON success response without Express (with the request's id when it has one). */
export function writeJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  };
  const requestId = requestIdOf(res);
  if (requestId !== undefined) headers['x-request-id'] = requestId;
  // The CORS layer leaves `Vary: Origin` to the hot path when the request had no Origin.
  if (!res.hasHeader('vary')) headers.vary = 'Origin';
  res.writeHead(status, headers);
  res.end(body);
}
