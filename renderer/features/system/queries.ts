import { useQuery } from '@tanstack/react-query';
import { systemApi } from './api';

export const systemKeys = {
  all: ['system'] as const,
  version: () => [...systemKeys.all, 'version'] as const,
  config: () => [...systemKeys.all, 'config'] as const,
  nodes: () => [...systemKeys.all, 'nodes'] as const,
  llama: (what: 'version' | 'devices') => [...systemKeys.all, 'llama', what] as const,
};

export const useServerVersion = () => useQuery({ queryKey: systemKeys.version(), queryFn: systemApi.version, staleTime: Infinity });
export const useServerConfig = () => useQuery({ queryKey: systemKeys.config(), queryFn: systemApi.config, staleTime: 5 * 60_000 });
/** Nodes: reachability changes arrive as `node` events, which invalidate this query. */
export const useNodes = () => useQuery({ queryKey: systemKeys.nodes(), queryFn: systemApi.nodes, staleTime: Infinity });
export const useLlamaServerInfo = (what: 'version' | 'devices', enabled = true) =>
  useQuery({
    queryKey: systemKeys.llama(what),
    queryFn: what === 'version' ? systemApi.llamaVersion : systemApi.llamaDevices,
    enabled,
    retry: false,
    staleTime: 5 * 60_000,
  });
