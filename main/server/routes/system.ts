import type { Express, Router } from 'express';
import { AppError } from '../../../shared/errors';
import { authenticateManagement, writeAuthError } from '../middleware/auth';
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
    // `sources` (ours): where each effective value came from, by dotted key; values stay hidden
    res.json({ ...sanitizedConfig(services.config), sources: services.settings.sources() });
  });

  api.get('/system/resources', async (_req, res) => {
    res.json(await services.observability.system());
  });

  // Not under /instances: `POST /instances/memory-estimate` would be the create of an instance
  // named `memory-estimate`.
  api.post('/system/memory-estimate', async (req, res) => {
    res.json(await services.instances.memoryEstimate(req.body));
  });

  // The latest requests through /v1, /llama-cpp and the instance proxy, newest first.
  api.get('/activity', (req, res) => {
    const { limit, instance } = req.query;
    let n = 100;
    if (limit !== undefined) {
      n = typeof limit === 'string' && /^\d+$/.test(limit) ? Number(limit) : NaN;
      const size = services.config.metrics.activity_size;
      // With recording off (size 0) there is nothing to bound: the answer is empty.
      if (!Number.isSafeInteger(n) || n < 1 || (size > 0 && n > size))
        throw new AppError(
          'invalid_request',
          `limit must be a whole number from 1 to ${size} (metrics.activity_size)`,
        );
    }
    if (instance !== undefined && typeof instance !== 'string')
      throw new AppError('invalid_request', 'instance must be given once');
    res.json(services.observability.activity.list({ limit: n, instance }));
  });
}

/**
 * `GET /metrics`: Prometheus text format. Needs the management key, unless `metrics.public` is
 * on, which opens it to clients on this machine only (a scraper on localhost).
 */
export function registerMetricsRoute(app: Express, services: Services): void {
  app.get('/metrics', async (req, res) => {
    const open = services.config.metrics.public && isLoopbackPeer(req.socket.remoteAddress);
    if (!open) {
      const outcome = authenticateManagement(services, req);
      if (!outcome.ok) return writeAuthError(res, outcome.message);
    }
    services.observability.activity.flush(); // requests finished in this turn count too
    const { contentType, body } = await services.observability.metrics.text();
    res.type(contentType).send(body);
  });
}

/** A peer address on this machine (IPv4 loopback, IPv6 ::1, or IPv4 loopback mapped into IPv6). */
export function isLoopbackPeer(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d+\.\d+\.\d+$/.test(a);
}
