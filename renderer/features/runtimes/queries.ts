import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { DownloadJob } from '../../../shared/api/models';
import type { RuntimeJob, RuntimeVariant } from '../../../shared/api/runtimes';
import { useDownloadJobs } from '../models/queries';
import { systemKeys } from '../system/queries';
import { runtimesApi } from './api';

export const runtimeKeys = {
  all: ['runtimes'] as const,
  list: () => [...runtimeKeys.all, 'list'] as const,
  releases: () => [...runtimeKeys.all, 'releases'] as const,
};

export function useRuntimes() {
  return useQuery({
    queryKey: runtimeKeys.list(),
    queryFn: ({ signal }) => runtimesApi.list(signal),
    staleTime: 60_000,
  });
}

export function useReleases(enabled = true) {
  return useQuery({
    queryKey: runtimeKeys.releases(),
    queryFn: ({ signal }) => runtimesApi.releases(false, signal),
    enabled,
    retry: false,
    staleTime: 10 * 60_000,
  });
}

/** Runtime installs travel with the download jobs (`kind: "runtime"`) on the same list and events. */
export function isRuntimeJob(j: DownloadJob | RuntimeJob): j is RuntimeJob {
  return (j as RuntimeJob).kind === 'runtime';
}

export function useRuntimeJobs(): RuntimeJob[] {
  const { data } = useDownloadJobs();
  // the list is typed as downloads; runtime installs are told apart by `kind`
  return ((data ?? []) as (DownloadJob | RuntimeJob)[]).filter(isRuntimeJob);
}

export function useCheckForUpdates() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => runtimesApi.releases(true),
    onSuccess: (data) => qc.setQueryData(runtimeKeys.releases(), data),
  });
}

function useInvalidateRuntimes() {
  const qc = useQueryClient();
  return () => {
    void qc.invalidateQueries({ queryKey: runtimeKeys.all });
    // the default runtime is a setting: Settings and System show it too
    void qc.invalidateQueries({ queryKey: ['settings'] });
    void qc.invalidateQueries({ queryKey: systemKeys.all });
  };
}

export function useInstallRuntime() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ version, variant }: { version: string; variant?: RuntimeVariant }) =>
      runtimesApi.install(version, variant),
    // the job itself arrives through the events stream; refetch in case the stream is down
    onSuccess: () => qc.invalidateQueries({ queryKey: ['models', 'jobs'] }),
  });
}

export function useSetDefaultRuntime() {
  const done = useInvalidateRuntimes();
  return useMutation({ mutationFn: runtimesApi.setDefault, onSuccess: done });
}

export function useRemoveRuntime() {
  const done = useInvalidateRuntimes();
  return useMutation({
    mutationFn: ({ tag, variant }: { tag: string; variant?: RuntimeVariant }) =>
      runtimesApi.remove(tag, variant),
    onSuccess: done,
  });
}
