import express, { type Express, type Router } from 'express';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { AppError } from '../../../shared/errors';
import { VERSION } from '../../version';
import type { Services } from '../../services';
import { requireManagement } from '../middleware/auth';
import { openApiDocument, type ApiRoute } from '../openapi/document';
import { PRIVATE_GET, PRIVATE_POST } from './llama-cpp';

/** The routes the hot path serves before Express (http-server.ts): no route table to walk. */
export function hotPathRoutes(): ApiRoute[] {
  const openai: ApiRoute[] = [
    ...['/v1/chat/completions', '/v1/completions', '/v1/embeddings', '/v1/rerank'].map((path) => ({
      method: 'POST',
      path,
    })),
    { method: 'GET', path: '/v1/models' },
    { method: 'GET', path: '/v1/models/{model}' },
  ];
  const llama: ApiRoute[] = [
    { method: 'GET', path: '/llama-cpp/{name}/' },
    ...[...PRIVATE_GET].map((p) => ({ method: 'GET', path: `/llama-cpp/{name}${p}` })),
    ...[...PRIVATE_POST].map((p) => ({ method: 'POST', path: `/llama-cpp/{name}${p}` })),
  ];
  return [...openai, ...llama];
}

/** Every route of an Express router (router 2.x keeps each layer's raw path), nested ones too. */
export function routerRoutes(router: Router, prefix: string): ApiRoute[] {
  const out: ApiRoute[] = [];
  const walk = (stack: unknown[], base: string) => {
    for (const layer of stack as Array<{
      route?: { path: string | string[]; methods: Record<string, boolean> };
      handle?: { stack?: unknown[] };
      rawPath?: string;
    }>) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths)
          for (const m of Object.keys(layer.route.methods)) {
            // app.all: the instance proxy forwards any method; GET and POST are its usual ones
            const methods = m === '_all' ? ['GET', 'POST', 'PUT', 'DELETE'] : [m.toUpperCase()];
            for (const method of methods) out.push({ method, path: base + p });
          }
      } else if (layer.handle?.stack && typeof layer.rawPath === 'string') {
        walk(layer.handle.stack, base + (layer.rawPath === '/' ? '' : layer.rawPath));
      }
    }
  };
  walk((router as unknown as { stack: unknown[] }).stack, prefix);
  return out;
}

const INDEX_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <title>Llamactl API</title>
    <link rel="stylesheet" href="./swagger-ui.css" />
    <link rel="icon" type="image/png" href="./favicon-32x32.png" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="./swagger-ui-bundle.js"></script>
    <script src="./initializer.js"></script>
  </body>
</html>
`;

// The document needs the management key: taken from the page's fragment (#api_key=..., never
// sent to a server or written to a log) or query, and sent as a Bearer header with the
// document's request and with every "Try it out" request.
const INITIALIZER_JS = `(function () {
  var params = new URLSearchParams(location.hash.slice(1) || location.search.slice(1));
  var key = params.get('api_key');
  // Out of the address bar and the history; and deep linking reads the fragment as an
  // operation's tag, so it must be gone before Swagger UI starts.
  if (key) history.replaceState(null, '', location.pathname);
  window.ui = SwaggerUIBundle({
    url: './doc.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: false,
    // no badge from validator.swagger.io: it would send the document's URL there (and the
    // policy allows images from this server only)
    validatorUrl: null,
    requestInterceptor: function (req) {
      if (key && !req.headers.Authorization) req.headers.Authorization = 'Bearer ' + key;
      return req;
    },
  });
})();
`;

/**
 * Swagger UI's Content-Security-Policy: scripts only from this server (swagger-ui-bundle.js and
 * initializer.js; the page has no inline script), no eval; inline styles (they cannot run code;
 * the Playwright walk saw none, but parts of Swagger UI it does not open may set them); images
 * and fonts from here and data: (the bundle's icons), blob: for image responses of "Try it
 * out"; requests to this server only; nothing frames it, it frames nothing.
 */
export const SWAGGER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * `server.enable_swagger`: the OpenAPI 3.1 document at /swagger/doc.json (management key, as
 * /api/v1) and Swagger UI at /swagger/ (its static files are public: they hold no data).
 * Off: /swagger answers 404.
 */
export function registerSwaggerRoutes(app: Express, services: Services, api: Router): void {
  if (!services.config.server.enable_swagger) {
    app.use('/swagger', (req, _res, next) =>
      next(
        new AppError(
          'not_found',
          `No route ${req.method} /swagger${req.path}: Swagger is off (server.enable_swagger)`,
        ),
      ),
    );
    return;
  }
  let doc: string | null = null;
  const swagger = express.Router({ strict: true });
  swagger.use((_req, res, next) => {
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Content-Security-Policy', SWAGGER_CSP);
    next();
  });
  swagger.get('/doc.json', requireManagement(services), (_req, res) => {
    // Built once, on first use: every route is registered by then.
    doc ??= JSON.stringify(
      openApiDocument([...routerRoutes(api, '/api/v1'), ...hotPathRoutes()], VERSION.version),
    );
    res.type('application/json').send(doc);
  });
  swagger.get('/', (_req, res) => res.type('html').send(INDEX_HTML));
  swagger.get('/index.html', (_req, res) => res.type('html').send(INDEX_HTML));
  swagger.get('/initializer.js', (_req, res) => res.type('js').send(INITIALIZER_JS));
  const dist = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  swagger.use(express.static(dist, { index: false, fallthrough: true }));
  // Relative, so it also works under a reverse proxy's sub-path (non-strict routing: '/swagger'
  // matches '/swagger/' too, which the router below serves).
  app.get('/swagger', (req, res, next) =>
    req.path === '/swagger' ? res.redirect(301, 'swagger/') : next(),
  );
  app.use('/swagger', swagger);
}
