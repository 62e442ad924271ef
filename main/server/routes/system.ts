import type { Router } from 'express';
import { sanitizedConfig } from '../../config/sanitize';
import type { Services } from '../../services';
import { VERSION } from '../../version';

export function registerSystemRoutes(api: Router, services: Services): void {
  api.get('/version', (_req, res) => {
    res
      .type('text/plain')
      .send(
        `Version: ${VERSION.version}\nCommit: ${VERSION.commit}\nBuild Time: ${VERSION.buildTime}\n`,
      );
  });

  api.get('/config', (_req, res) => {
    res.json(sanitizedConfig(services.config));
  });
}
