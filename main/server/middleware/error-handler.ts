import type { ErrorRequestHandler, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { AppError, isAppError } from '../../../shared/errors';
import type { Logger } from '../../logger';
import { errorBody, errorHeaders, errorStyleFor, type ErrorStyle } from '../proxy/errors';
import { requestIdOf } from '../proxy/request-id';

export { errorStyleFor, type ErrorStyle };

/** Writes an error in the route's shape (llamactl's body A, OpenAI's or Anthropic's). */
export function sendError(res: Response, err: AppError, style: ErrorStyle = 'management'): void {
  const requestId = requestIdOf(res);
  // Set over whatever a handler had set before it failed (`res.type('text/plain')`).
  for (const [k, v] of Object.entries(errorHeaders(err, style, requestId))) res.setHeader(k, v);
  res.status(err.status).send(errorBody(err, style, requestId));
}

/**
 * The one error middleware: AppErrors become their status; body-parser errors become 400/413;
 * anything else is a 500 with internals hidden and logged with a request id.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const style = errorStyleFor(req.path);
    if (isAppError(err)) {
      sendError(res, err, style);
      return;
    }
    const e = err as { type?: string; status?: number; message?: string };
    if (e?.type === 'entity.too.large') {
      sendError(res, new AppError('payload_too_large', 'Request body is too large'), style);
      return;
    }
    if (e?.type === 'entity.parse.failed') {
      sendError(res, malformedJsonError(req.originalUrl), style);
      return;
    }
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      sendError(res, new AppError('invalid_request', e.message ?? 'Bad request'), style);
      return;
    }
    const requestId = requestIdOf(res) ?? randomUUID();
    log.error('unhandled error', {
      request_id: requestId,
      method: req.method,
      path: req.path,
      error: String(err?.stack ?? err),
    });
    sendError(
      res,
      new AppError('internal_error', `Internal server error (request id ${requestId})`),
      style,
    );
  };
}

/**
 * llamactl answers malformed JSON with a different code and text per endpoint; clients that
 * match on them keep working.
 */
export function malformedJsonError(url: string): AppError {
  const path = url.split('?')[0];
  if (path.startsWith('/api/v1/instances'))
    return new AppError('invalid_request', 'Invalid request body');
  if (/^\/api\/v1\/backends\/[^/]+\/parse-command/.test(path))
    return new AppError('invalid_request', 'Invalid JSON body');
  if (path.startsWith('/api/v1/models'))
    return new AppError('invalid_request', 'Failed to parse request body');
  return new AppError('invalid_json', 'Invalid JSON in request body');
}
