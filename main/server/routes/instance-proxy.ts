import type { Router } from 'express';
import { forwardToInstance } from '../proxy/instance-forward';
import type { ReverseProxy } from '../proxy/reverse-proxy';
import type { RoutingDeps } from '../proxy/types';

const PREFIX = '/api/v1/instances/';

/**
 * The path to request upstream for `/api/v1/instances/{name}/proxy[/…][?…]`: everything after
 * `/proxy`, as the client wrote it (no decoding, query kept), `/` when nothing follows.
 */
export function upstreamPathOf(originalUrl: string): string {
  const afterPrefix = originalUrl.slice(PREFIX.length);
  const slash = afterPrefix.indexOf('/');
  const after = afterPrefix.slice(slash + '/proxy'.length);
  if (after === '' || after.startsWith('?')) return '/' + after;
  return after;
}

/**
 * `ANY /api/v1/instances/{name}/proxy[/…]`: a raw reverse proxy to a running instance (no
 * on-demand start: 503 `instance_not_running`). Management auth comes from the `api` router;
 * must be registered before the JSON body parser so bodies stream through untouched.
 */
export function registerInstanceProxyRoutes(
  api: Router,
  deps: RoutingDeps,
  proxy: ReverseProxy,
): void {
  api.all('/instances/:name/proxy{/*rest}', async (req, res) => {
    const instance = deps.instances.get(req.params.name as string);
    await forwardToInstance(deps, proxy, req, res, {
      instance,
      autostart: false,
      path: upstreamPathOf(req.originalUrl),
      style: 'management',
      keyName: 'management',
    });
  });
}
