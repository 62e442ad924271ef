import { useQuery } from '@tanstack/react-query';
import { instanceOverlay } from '../../lib/live-lists';
import { instancesApi } from './api';

export const instanceKeys = {
  all: ['instances'] as const,
  list: () => [...instanceKeys.all, 'list'] as const,
  routerModels: (name: string) => [...instanceKeys.all, 'router-models', name] as const,
};

/**
 * The instance list. Fetched once; afterwards it is kept current by the events stream
 * (lib/server-events.ts), so no polling interval here.
 */
export function useInstances() {
  return useQuery({
    queryKey: instanceKeys.list(),
    // Events that arrive while the list is on its way are laid over its answer (lib/event-overlay).
    queryFn: ({ signal }) =>
      instanceOverlay.fetch(async () => (await instancesApi.list(signal)) ?? []),
    staleTime: Infinity,
    select: (list) => [...(list ?? [])].sort((a, b) => a.name.localeCompare(b.name)),
  });
}

export function useRouterModels(name: string, enabled: boolean) {
  return useQuery({
    queryKey: instanceKeys.routerModels(name),
    queryFn: () => instancesApi.routerModels(name),
    enabled,
    refetchInterval: (q) =>
      q.state.data?.data?.some((m) => m.status?.value === 'loading') ? 1500 : false,
  });
}
