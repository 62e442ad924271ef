import type { Response, Router } from 'express';
import { modelRequestTarget } from '../../models/node-target';
import { FORWARDED_HEADER } from '../../nodes/node-client';
import type { Services } from '../../services';

/**
 * `GET /api/v1/nodes[/{name}]` (llamactl's `{name: {address}}` plus `local`, `reachable`,
 * `version`; keys never), and the `node` query parameter of the model and job endpoints:
 * requests for a remote node are forwarded to it, `GET /models` without `node` lists every
 * node's cache. Must be registered before the model routes (after the JSON body parser).
 */
export function registerNodeRoutes(api: Router, services: Services): void {
  const { nodes } = services;

  api.get('/nodes', async (_req, res) => {
    res.json(await nodes.listNodes());
  });

  api.get('/nodes/:name', async (req, res) => {
    res.json(await nodes.info(String(req.params.name)));
  });

  api.use(async (req, res, next) => {
    if (req.path !== '/models' && !req.path.startsWith('/models/')) return next();
    const target = modelRequestTarget(services.config, req.query.node);
    if (!target.local)
      return relay(
        res,
        await nodes.forwardModels(target.node, req.method, req.originalUrl, req.body),
      );
    // Aggregate only for a client's own request: `?node=<local>` and forwarded requests (a node
    // asking us) list this server alone, so nodes configured both ways never recurse.
    const aggregate =
      req.method === 'GET' &&
      (req.path === '/models' || req.path === '/models/') &&
      req.query.node === undefined &&
      !req.headers[FORWARDED_HEADER];
    if (!aggregate) return next();
    const [local, remote] = await Promise.all([
      services.models.listModels(services.config.local_node),
      nodes.remoteModels(),
    ]);
    res.json([...local, ...remote]);
  });
}

function relay(res: Response, reply: { status: number; contentType: string; body: Buffer }): void {
  if (reply.contentType) res.type(reply.contentType);
  res.status(reply.status);
  if (reply.status === 204 || reply.status === 304) res.end();
  else res.send(reply.body);
}
