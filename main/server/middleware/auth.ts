import type { RequestHandler } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthContext } from '../../auth/auth-service';
import { extractKey } from '../../auth/extract-key';
import type { Services } from '../../services';

export type AuthFailure = 'Missing API key' | 'Invalid API key';
export type AuthOutcome = { ok: true; auth: AuthContext } | { ok: false; message: AuthFailure };

/**
 * llamactl's 401 ("error body B"), byte for byte: it is produced by string formatting there,
 * hence the spaces after the colons. Works on plain node responses so the hot-path proxy
 * routes (no Express) answer exactly like the management API.
 */
export function writeAuthError(res: ServerResponse, message: AuthFailure): void {
  const body = `{"error": {"message": ${JSON.stringify(message)}, "type": "authentication_error"}}\n`;
  res.statusCode = 401;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('WWW-Authenticate', 'Bearer');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/**
 * Management API: only management keys. Unlike llamactl, a non-preflight OPTIONS request is not
 * waved through (CORS preflights are answered before auth by the CORS layer).
 */
export function authenticateManagement(services: Services, req: IncomingMessage): AuthOutcome {
  if (!services.config.auth.require_management_auth) return { ok: true, auth: { kind: 'open' } };
  const key = extractKey(req.headers, req.url);
  if (key === null) return { ok: false, message: 'Missing API key' };
  return services.auth.isManagementKey(key)
    ? { ok: true, auth: { kind: 'management' } }
    : { ok: false, message: 'Invalid API key' };
}

/** Inference routes: API keys from the database, or management keys (every instance). */
export function authenticateInference(services: Services, req: IncomingMessage): AuthOutcome {
  if (!services.config.auth.require_inference_auth) return { ok: true, auth: { kind: 'open' } };
  const key = extractKey(req.headers, req.url);
  if (key === null) return { ok: false, message: 'Missing API key' };
  const auth = services.auth.verifyInference(key);
  return auth ? { ok: true, auth } : { ok: false, message: 'Invalid API key' };
}

function middleware(
  check: (s: Services, req: IncomingMessage) => AuthOutcome,
  services: Services,
): RequestHandler {
  return (req, res, next) => {
    const outcome = check(services, req);
    if (!outcome.ok) {
      writeAuthError(res, outcome.message);
      return;
    }
    res.locals.auth = outcome.auth;
    next();
  };
}

/** Sets `res.locals.auth` or answers 401. */
export const requireManagement = (services: Services): RequestHandler =>
  middleware(authenticateManagement, services);
export const requireInference = (services: Services): RequestHandler =>
  middleware(authenticateInference, services);
