import type { IncomingMessage } from 'node:http';
import { AppError } from '../../../shared/errors';
import type { Instance } from '../../../shared/api/instances';
import type { RoutingAuthContext, RoutingDeps } from './types';

const OPEN: RoutingAuthContext = { kind: 'open' };

/**
 * Inference authentication for the hot-path routes (no Express): the key from Bearer,
 * X-API-Key or `?api_key=`, checked with the O(1) in-memory lookup; management keys are
 * accepted everywhere. Throws 401 with llamactl's messages (written in each protocol's shape).
 */
export function authenticateInference(deps: RoutingDeps, req: IncomingMessage): RoutingAuthContext {
  if (!deps.config.auth.require_inference_auth) return OPEN;
  const key = deps.extractKey(req.headers, req.url);
  if (!key) throw new AppError('missing_api_key', 'Missing API key');
  // verifyInference accepts management keys too (they grant every instance).
  const ctx = deps.auth.verifyInference(key);
  if (ctx) return ctx;
  throw new AppError('invalid_api_key', 'Invalid API key');
}

/** 403 unless the key may use the instance (management keys and open mode may use all). */
export function assertCanAccess(
  deps: RoutingDeps,
  ctx: RoutingAuthContext,
  instance: Instance,
): void {
  if (ctx.kind !== 'inference') return;
  if (!deps.auth.canAccessInstance(ctx, instance.id)) {
    throw new AppError(
      'permission_denied',
      `This API key does not have access to instance "${instance.name}"`,
    );
  }
}

export function canAccess(deps: RoutingDeps, ctx: RoutingAuthContext, instance: Instance): boolean {
  return ctx.kind !== 'inference' || deps.auth.canAccessInstance(ctx, instance.id);
}
