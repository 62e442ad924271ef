import type { Router } from 'express';
import { scanLocalModels } from '../../models/local-library';
import { starters } from '../../models/starters';
import type { Services } from '../../services';

/** The local model library, starter models and the Hugging Face token (ours). */
export function registerLibraryRoutes(api: Router, services: Services): void {
  const token = services.hfToken;

  api.get('/models/local', async (_req, res) => {
    res.json(await scanLocalModels(services.settings.modelFolders(services.models.hubRoot())));
  });

  api.get('/models/starters', async (_req, res) => {
    res.json(starters(await services.runtimes.hardware()));
  });

  api.get('/settings/hf-token', async (_req, res) => {
    res.json(await token.status());
  });

  api.put('/settings/hf-token', async (req, res) => {
    res.json(await token.set(req.body));
  });

  api.delete('/settings/hf-token', async (_req, res) => {
    res.json(await token.clear());
  });
}
