import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { ApiError } from '../lib/api-client';
import { isUnreachable } from '../lib/connection';

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // live data comes from the events stream, so no refetch on every focus
        refetchOnWindowFocus: false,
        staleTime: 30_000,
        // an unreachable server is retried by the connection monitor, which refetches everything
        // once it answers again
        retry: (count, err) =>
          !isUnreachable(err) &&
          !(err instanceof ApiError && err.status >= 400 && err.status < 500) &&
          count < 2,
      },
    },
  });
}

export function Providers({ children, client }: { children: ReactNode; client?: QueryClient }) {
  const [qc] = useState(() => client ?? createQueryClient());
  return <QueryClientProvider client={qc}>{children}</QueryClientProvider>;
}
