import { useSyncExternalStore } from 'react';

/**
 * Hash routes (#/models): they work unchanged under a reverse-proxy sub-path, from the desktop
 * app and with relative asset URLs, with no server-side route knowledge.
 */
export type Route = 'instances' | 'models' | 'keys' | 'system';
export const ROUTES: readonly Route[] = ['instances', 'models', 'keys', 'system'];

function current(): Route {
  const h = window.location.hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return (ROUTES as readonly string[]).includes(h) ? (h as Route) : 'instances';
}

function subscribe(cb: () => void): () => void {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
}

export function useRoute(): Route {
  return useSyncExternalStore(subscribe, current, () => 'instances' as Route);
}

export function navigate(route: Route): void {
  window.location.hash = `/${route}`;
}

export function routeHref(route: Route): string {
  return `#/${route}`;
}
