import type { Request, Router } from 'express';
import { AppError } from '../../../shared/errors';
import { modelRequestTarget } from '../../models/node-target';
import type { Services } from '../../services';

/**
 * The seam for remote nodes: every model route asks here first. Local requests return true and
 * are served by ModelService. Requests for a remote node never get here: the node routes
 * (routes/nodes.ts, registered before these) forward them, and aggregate `GET /models`; the
 * throw is a guard should that order ever change.
 */
function servedLocally(services: Services, req: Request): boolean {
  const target = modelRequestTarget(services.config, req.query.node);
  if (target.local) return true;
  throw new AppError(
    'node_forwarding_unavailable',
    `forwarding model requests to node '${target.node}' is not available yet`,
  );
}

/** Model downloads, jobs and the cache: `/api/v1/models*` (reference Part A). */
export function registerModelRoutes(api: Router, services: Services): void {
  const { models } = services;

  api.post('/models/download', (req, res) => {
    servedLocally(services, req);
    res.status(202).json(models.startDownload(req.body));
  });

  api.get('/models', async (req, res) => {
    servedLocally(services, req);
    // [] rather than llamactl's null when nothing is cached
    res.json(await models.listModels(services.config.local_node));
  });

  api.delete('/models', async (req, res) => {
    servedLocally(services, req);
    await models.deleteModel(req.query.repo, req.query.tag);
    res.status(204).end();
  });

  // Runtime installs (kind: "runtime") are jobs too, listed and cancelled here with downloads.
  api.get('/models/jobs', (req, res) => {
    servedLocally(services, req);
    const jobs = [...models.listJobs(), ...services.runtimes.listJobs()].sort(
      (a, b) => a.created_at - b.created_at,
    );
    res.json({ jobs });
  });

  api.get('/models/jobs/:id', (req, res) => {
    servedLocally(services, req);
    res.json(services.runtimes.findJob(req.params.id) ?? models.getJob(req.params.id));
  });

  api.delete('/models/jobs/:id', (req, res) => {
    servedLocally(services, req);
    if (services.runtimes.findJob(req.params.id)) services.runtimes.cancelJob(req.params.id);
    else models.cancelJob(req.params.id);
    res.status(204).end();
  });

  api.get('/models/cache', (req, res) => {
    servedLocally(services, req);
    res.json({ node: services.config.local_node, hub_root: models.hubRoot() });
  });

  api.get('/models/hub/files', async (req, res) => {
    servedLocally(services, req);
    res.json(await models.hubFiles(req.query.repo));
  });
}
