import type { Router } from 'express';
import type { Services } from '../../services';

/** llama.cpp runtimes: `/api/v1/runtimes*` (ours). */
export function registerRuntimeRoutes(api: Router, services: Services): void {
  const { runtimes } = services;

  api.get('/runtimes', async (_req, res) => {
    res.json(await runtimes.list());
  });

  api.get('/runtimes/llama-cpp/releases', async (req, res) => {
    res.json(await runtimes.releases(req.query.refresh === '1' || req.query.refresh === 'true'));
  });

  api.post('/runtimes/llama-cpp/install', async (req, res) => {
    res.status(202).json(await runtimes.install(req.body ?? {}));
  });

  api.put('/runtimes/llama-cpp/default', async (req, res) => {
    res.json(await runtimes.setDefault(req.body));
  });

  api.delete('/runtimes/llama-cpp/:version', async (req, res) => {
    const variant = typeof req.query.variant === 'string' ? req.query.variant : undefined;
    await runtimes.remove(req.params.version, variant);
    res.status(204).end();
  });
}
