import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { InstanceOptions } from '../../../shared/api/instances';
import { instanceOverlay } from '../../lib/live-lists';
import { instancesApi } from './api';

export const instanceKeys = {
  all: ['instances'] as const,
  list: () => [...instanceKeys.all, 'list'] as const,
  routerModels: (name: string) => [...instanceKeys.all, 'router-models', name] as const,
  memoryEstimate: (options: InstanceOptions) =>
    [...instanceKeys.all, 'memory-estimate', options] as const,
};

/** `value` once it has stopped changing for `ms` (typing does not send a request per key). */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

/**
 * The server's memory estimate of the options being edited (create/edit dialog): only for
 * llama.cpp instances with a model file, the one case the server estimates; the previous answer
 * stays on screen while a new one loads.
 */
export function useMemoryEstimate(options: InstanceOptions, enabled: boolean) {
  const settled = useSettled(options, 400);
  const model = settled.backend_options?.model;
  return useQuery({
    queryKey: instanceKeys.memoryEstimate(settled),
    queryFn: ({ signal }) => instancesApi.memoryEstimate(settled, signal),
    enabled:
      enabled &&
      settled.backend_type === 'llama_cpp' &&
      typeof model === 'string' &&
      model.trim() !== '',
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 10_000,
  });
}

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
