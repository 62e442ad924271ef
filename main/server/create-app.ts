import express, { type Express, type Router } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../shared/errors';
import { rendererDir } from '../paths';
import type { Services } from '../services';
import { requireManagement } from './middleware/auth';
import { dashboardHeaders } from './middleware/dashboard-headers';
import { errorHandler } from './middleware/error-handler';
import { routingDeps } from './proxy/deps';
import { ReverseProxy } from './proxy/reverse-proxy';
import { registerInstanceProxyRoutes } from './routes/instance-proxy';
import { registerLlamaCppModelRoutes } from './routes/llama-cpp';
import { registerBackendRoutes } from './routes/backends';
import { registerEventRoutes } from './routes/events';
import { registerInstanceRoutes } from './routes/instances';
import { registerKeyRoutes } from './routes/keys';
import { registerModelRoutes } from './routes/models';
import { registerNodeRoutes } from './routes/nodes';
import { registerLibraryRoutes } from './routes/library';
import { registerRuntimeRoutes } from './routes/runtimes';
import { registerSettingsRoutes } from './routes/settings';
import { registerSwaggerRoutes } from './routes/swagger';
import { registerMetricsRoute, registerSystemRoutes } from './routes/system';

export interface AppOptions {
  /** folder of the built dashboard; defaults to dist/renderer of the package */
  rendererDir?: string;
  /** the reverse proxy shared with the hot path (http-server.ts); created when absent */
  proxy?: ReverseProxy;
}

/**
 * Builds the Express app from services. No side effects: nothing listens, nothing starts.
 * The latency-critical proxy routes (/v1, /llama-cpp) are served before Express by
 * `createRequestHandler` in http-server.ts.
 */
export function createApp(services: Services, opts: AppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  const api: Router = express.Router({ strict: false });
  // Auth first: every route registered on `api` is protected, and an unauthenticated request
  // costs no body parsing. Unknown paths therefore answer 401 before 404, as in llamactl.
  api.use(requireManagement(services));
  // The raw proxies read or stream their own bodies, so they come before the JSON parser.
  const proxy = opts.proxy ?? new ReverseProxy(services.log.child('proxy'));
  registerInstanceProxyRoutes(api, routingDeps(services), proxy);
  registerLlamaCppModelRoutes(api, routingDeps(services), proxy);
  api.use(express.json({ limit: services.config.server.max_body_bytes }));
  registerSystemRoutes(api, services);
  registerKeyRoutes(api, services);
  registerInstanceRoutes(api, services, proxy);
  registerEventRoutes(api, services);
  registerNodeRoutes(api, services);
  registerModelRoutes(api, services);
  registerBackendRoutes(api, services);
  registerRuntimeRoutes(api, services);
  registerSettingsRoutes(api, services);
  registerLibraryRoutes(api, services);
  api.use((req, _res, next) =>
    next(new AppError('not_found', `No route ${req.method} ${req.baseUrl}${req.path}`)),
  );
  app.use('/api/v1', api);
  registerMetricsRoute(app, services);
  registerSwaggerRoutes(app, services, api);

  serveRenderer(app, opts.rendererDir ?? rendererDir());
  app.use(errorHandler(services.log));
  return app;
}

/** The dashboard: static files with an SPA fallback to index.html for client-side routes. */
function serveRenderer(app: Express, dir: string): void {
  const index = join(dir, 'index.html');
  app.use(dashboardHeaders(index));
  app.use(express.static(dir, { index: 'index.html', fallthrough: true }));
  app.get(/^\/(?!api\/|v1\/|llama-cpp\/|swagger\/).*/, (req, res, next) => {
    if (req.method !== 'GET' || !existsSync(index)) return next();
    res.sendFile(index);
  });
}
