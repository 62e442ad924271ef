import type { ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { AppError, isAppError, openAIErrorType } from '../../../shared/errors';
import type { Logger } from '../../logger';
import { writeAuthError } from '../middleware/auth';

/** OpenAI's shape on /v1 and /llama-cpp; llamactl's `{error, details}` on /api/v1. */
export type ErrorStyle = 'openai' | 'management';

export function errorBody(err: AppError, style: ErrorStyle): string {
  if (style === 'openai') {
    return JSON.stringify({
      error: { message: err.details, type: openAIErrorType(err.status), code: err.code },
    });
  }
  const details = err.managementDetails;
  return JSON.stringify(details ? { error: err.code, details } : { error: err.code });
}

/**
 * Writes an error without Express (the hot path has none). Unknown errors become a 500 with the
 * internals logged, not sent. After the headers are out the only honest signal left is to cut
 * the connection.
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
  let e: AppError;
  if (isAppError(err)) {
    e = err;
  } else {
    const requestId = randomUUID();
    log.error('unhandled error in proxy route', {
      requestId,
      error: String((err as Error)?.stack ?? err),
    });
    e = new AppError('internal_error', `Internal server error (request id ${requestId})`);
  }
  if (
    e.code === 'unauthorized' &&
    (e.details === 'Missing API key' || e.details === 'Invalid API key')
  ) {
    // The same 401 as every other route (llamactl's error body B).
    writeAuthError(res, e.details);
    return;
  }
  const body = errorBody(e, style);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  };
  if (e.headers) Object.assign(headers, e.headers);
  if (!res.hasHeader('vary')) headers.vary = 'Origin';
  // An unread oversized body would otherwise be drained before the next request on this socket.
  if (e.code === 'payload_too_large') headers.connection = 'close';
  res.writeHead(e.status, headers);
  res.end(body);
}

/** A JSON success response without Express. */
export function writeJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  };
  // The CORS layer leaves `Vary: Origin` to the hot path when the request had no Origin.
  if (!res.hasHeader('vary')) headers.vary = 'Origin';
  res.writeHead(status, headers);
  res.end(body);
}
