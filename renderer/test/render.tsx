import { QueryClient } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { Providers } from '../app/providers';

/** A query client that never retries, so a failing fake answers at once. */
export function testQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: { queries: { retry: false, staleTime: Infinity }, mutations: { retry: false } },
  });
}

export function renderWithClient(ui: ReactElement, client = testQueryClient()) {
  return { client, ...render(<Providers client={client}>{ui}</Providers>) };
}

export interface FakeRoute {
  method?: string;
  path: string | RegExp;
  status?: number;
  body?: unknown;
}

/**
 * A fake server behind `fetch`: answers by method and path under /api/v1, records requests.
 * Unknown routes answer 404 like the real server.
 */
export function fakeServer(routes: FakeRoute[]) {
  const requests: { method: string; path: string; body?: unknown; auth?: string }[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input));
    const path = url.pathname.replace(/^\/api\/v1/, '') + url.search;
    const method = init.method ?? 'GET';
    const headers = (init.headers ?? {}) as Record<string, string>;
    requests.push({
      method,
      path,
      body: init.body ? JSON.parse(String(init.body)) : undefined,
      auth: headers.Authorization,
    });
    const r = routes.find(
      (x) =>
        (x.method ?? 'GET') === method &&
        (typeof x.path === 'string' ? x.path === path : x.path.test(path)),
    );
    if (!r)
      return new Response(
        JSON.stringify({ error: 'not_found', details: `No route ${method} ${path}` }),
        { status: 404 },
      );
    const status = r.status ?? 200;
    if (status === 204) return new Response(null, { status });
    return new Response(typeof r.body === 'string' ? r.body : JSON.stringify(r.body ?? {}), {
      status,
      headers: { 'Content-Type': 'application/json' },
    });
  };
  return { requests, fetch: fetchImpl as typeof fetch };
}
