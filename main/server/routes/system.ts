import type { Router } from 'express';
import type { Services } from '../../services';
import { VERSION } from '../../version';

export function registerSystemRoutes(api: Router, _services: Services): void {
  api.get('/version', (_req, res) => {
    res
      .type('text/plain')
      .send(`Version: ${VERSION.version}\nCommit: ${VERSION.commit}\nBuild Time: ${VERSION.buildTime}\n`);
  });
}
