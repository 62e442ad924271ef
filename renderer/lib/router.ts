import { useSyncExternalStore } from 'react';

/**
 * Hash routes (#/models): they work unchanged under a reverse-proxy sub-path, from the desktop
 * app and with relative asset URLs, with no server-side route knowledge.
 */
export type Route =
  | 'instances'
  | 'models'
  | 'keys'
  | 'system'
  | 'chat'
  | 'runtimes'
  | 'settings'
  | 'welcome'
  | 'activity';
export const ROUTES: readonly Route[] = [
  'instances',
  'models',
  'keys',
  'system',
  'chat',
  'runtimes',
  'settings',
  'welcome',
  'activity',
];

function parts(): string[] {
  return window.location.hash
    .replace(/^#\/?/, '')
    .split('?')[0]
    .split('/')
    .filter((p) => p !== '');
}

function current(): Route {
  const h = parts()[0] ?? '';
  return (ROUTES as readonly string[]).includes(h) ? (h as Route) : 'instances';
}

/** The path segment after the route (`#/instances/alpha` -> `alpha`), decoded; '' when absent. */
function currentParam(): string {
  const p = parts()[1];
  if (!p) return '';
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}

/** The hash's query (`#/chat?model=alpha`). */
function currentQuery(): string {
  const h = window.location.hash;
  const q = h.indexOf('?');
  return q < 0 ? '' : h.slice(q + 1);
}

function subscribe(cb: () => void): () => void {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
}

export function useRoute(): Route {
  return useSyncExternalStore(subscribe, current, () => 'instances' as Route);
}

export function useRouteParam(): string {
  return useSyncExternalStore(subscribe, currentParam, () => '');
}

export function useRouteQuery(): string {
  return useSyncExternalStore(subscribe, currentQuery, () => '');
}

export function navigate(route: Route, param?: string): void {
  window.location.hash = routeHref(route, param).slice(1);
}

export function routeHref(route: Route, param?: string): string {
  return param ? `#/${route}/${encodeURIComponent(param)}` : `#/${route}`;
}

export function instanceHref(name: string): string {
  return routeHref('instances', name);
}

export function chatHref(model?: string): string {
  return model ? `#/chat?model=${encodeURIComponent(model)}` : '#/chat';
}
