import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { DownloadFormat, DownloadJob } from '../../../shared/api/models';
import { modelsApi } from './api';
import { modelKeys } from './queries';

export function useStartDownload() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ repo, format }: { repo: string; format: DownloadFormat }) =>
      modelsApi.download(repo, format),
    // the job itself arrives through the events stream; refetch in case the stream is down
    onSuccess: () => qc.invalidateQueries({ queryKey: modelKeys.jobs() }),
  });
}

export function useDeleteJob() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (job: DownloadJob) => modelsApi.deleteJob(job.id),
    onSuccess: () => qc.invalidateQueries({ queryKey: modelKeys.jobs() }),
  });
}

export function useDeleteModel() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: modelsApi.remove,
    onSuccess: () => qc.invalidateQueries({ queryKey: modelKeys.cached() }),
  });
}
