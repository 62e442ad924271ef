import { useQuery } from '@tanstack/react-query';
import { jobOverlay } from '../../lib/live-lists';
import { modelsApi } from './api';

export const modelKeys = {
  all: ['models'] as const,
  cached: () => [...modelKeys.all, 'cached'] as const,
  jobs: () => [...modelKeys.all, 'jobs'] as const,
  local: () => [...modelKeys.all, 'local'] as const,
  starters: () => [...modelKeys.all, 'starters'] as const,
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

/** GGUF files in the models folders (a scan of the disk; refreshed when a download completes). */
export function useLocalModels() {
  return useQuery({
    queryKey: modelKeys.local(),
    queryFn: ({ signal }) => modelsApi.local(signal),
  });
}

export function useStarterModels() {
  return useQuery({
    queryKey: modelKeys.starters(),
    queryFn: ({ signal }) => modelsApi.starters(signal),
    staleTime: Infinity,
  });
}
