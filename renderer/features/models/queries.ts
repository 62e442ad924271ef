import { useQuery } from '@tanstack/react-query';
import { jobOverlay } from '../../lib/live-lists';
import { modelsApi } from './api';

export const modelKeys = {
  all: ['models'] as const,
  cached: () => [...modelKeys.all, 'cached'] as const,
  jobs: () => [...modelKeys.all, 'jobs'] as const,
  hubFiles: (repo: string) => [...modelKeys.all, 'hub-files', repo] as const,
};

export function useCachedModels() {
  return useQuery({
    queryKey: modelKeys.cached(),
    queryFn: ({ signal }) => modelsApi.list(signal),
  });
}

/** Jobs: loaded once, then kept current by `job` events from the events stream. */
export function useDownloadJobs() {
  return useQuery({
    queryKey: modelKeys.jobs(),
    // Events that arrive while the list is on its way are laid over its answer (lib/event-overlay).
    queryFn: ({ signal }) => jobOverlay.fetch(() => modelsApi.jobs(signal)),
    staleTime: Infinity,
    select: (jobs) => [...jobs].sort((a, b) => b.created_at - a.created_at),
  });
}

export function useHubFiles(repo: string) {
  const valid = /^[^/\s:]+\/[^\s:]+$/.test(repo);
  return useQuery({
    queryKey: modelKeys.hubFiles(repo),
    queryFn: ({ signal }) => modelsApi.hubFiles(repo, signal),
    enabled: valid,
    retry: false,
    staleTime: 5 * 60_000,
  });
}
