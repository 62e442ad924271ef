import type { Router } from 'express';
import type { Services } from '../../services';

/** Dashboard settings: `/api/v1/settings` (ours). */
export function registerSettingsRoutes(api: Router, services: Services): void {
  api.get('/settings', (_req, res) => {
    res.json(services.settings.describe(services.models.hubRoot()));
  });

  api.put('/settings', async (req, res) => {
    await services.settings.replace(req.body);
    res.json(services.settings.describe(services.models.hubRoot()));
  });
}
