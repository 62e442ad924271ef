import { useQuery } from '@tanstack/react-query';
import { nodesFromConfig, systemApi } from './api';

export const systemKeys = {
  all: ['system'] as const,
  version: () => [...systemKeys.all, 'version'] as const,
  config: () => [...systemKeys.all, 'config'] as const,
  nodes: () => [...systemKeys.all, 'nodes'] as const,
  llama: (what: 'version' | 'devices') => [...systemKeys.all, 'llama', what] as const,
};

export const useServerVersion = () =>
  useQuery({ queryKey: systemKeys.version(), queryFn: systemApi.version, staleTime: Infinity });
export const useServerConfig = () =>
  useQuery({ queryKey: systemKeys.config(), queryFn: systemApi.config, staleTime: 5 * 60_000 });
/** The configured nodes (from the config, so forms need no extra endpoint). */
export function useNodes() {
  const q = useServerConfig();
  return { ...q, data: q.data ? nodesFromConfig(q.data) : undefined };
}

/**
 * Reachability from GET /api/v1/nodes, merged over the configured list; `node` events
 * invalidate it. Only the System page asks for it.
 */
export function useNodeReachability() {
  const config = useNodes();
  const live = useQuery({
    queryKey: systemKeys.nodes(),
    queryFn: systemApi.nodes,
    staleTime: Infinity,
    retry: false,
  });
  const data = config.data?.map((n) => ({
    ...n,
    ...(live.data?.find((l) => l.name === n.name) ?? {}),
    local: n.local,
  }));
  return {
    data,
    isPending: config.isPending,
    error: config.error,
    isFetching: live.isFetching,
    refetch: live.refetch,
    liveError: live.error,
  };
}
export const useLlamaServerInfo = (what: 'version' | 'devices', enabled = true) =>
  useQuery({
    queryKey: systemKeys.llama(what),
    queryFn: what === 'version' ? systemApi.llamaVersion : systemApi.llamaDevices,
    enabled,
    retry: false,
    staleTime: 5 * 60_000,
  });
