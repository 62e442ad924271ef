import type { Router } from 'express';
import { AppError } from '../../../shared/errors';
import type { Services } from '../../services';

/** Go's strconv.Atoi accepts an optional sign; anything else is llamactl's `invalid_id`. */
function parseKeyId(raw: string): number {
  if (!/^[+-]?\d{1,15}$/.test(raw)) throw new AppError('invalid_id', 'Invalid key ID');
  return Number.parseInt(raw, 10);
}

/** Inference (API) keys: `/api/v1/auth/keys` (reference §3.3). Management auth comes from the router. */
export function registerKeyRoutes(api: Router, services: Services): void {
  const { auth } = services;

  api.post('/auth/keys', (req, res) => {
    res.status(201).json(auth.createKey(req.body));
  });

  api.get('/auth/keys', (_req, res) => {
    res.json(auth.listKeys());
  });

  api.get('/auth/keys/:id', (req, res) => {
    res.json(auth.getKey(parseKeyId(req.params.id)));
  });

  api.delete('/auth/keys/:id', (req, res) => {
    auth.deleteKey(parseKeyId(req.params.id));
    res.status(204).end();
  });

  api.get('/auth/keys/:id/permissions', (req, res) => {
    res.json(auth.keyPermissions(parseKeyId(req.params.id)));
  });
}
