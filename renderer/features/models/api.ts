import type {
  CachedModel,
  DownloadAccepted,
  DownloadFormat,
  DownloadJob,
  HubFiles,
} from '../../../shared/api/models';
import type { LocalModelsResponse, StartersResponse } from '../../../shared/api/library';
import { apiJson } from '../../lib/api-client';

const enc = encodeURIComponent;

export const modelsApi = {
  // llamactl answers `null` for an empty cache; normalise to []
  list: async (signal?: AbortSignal) =>
    (await apiJson<CachedModel[] | null>('/models', { signal })) ?? [],
  remove: (m: { repo: string; tag?: string; node?: string }) => {
    const q = new URLSearchParams({ repo: m.repo });
    if (m.tag) q.set('tag', m.tag);
    if (m.node) q.set('node', m.node);
    return apiJson<void>(`/models?${q}`, { method: 'DELETE' });
  },
  jobs: async (signal?: AbortSignal) =>
    (await apiJson<{ jobs: DownloadJob[] }>('/models/jobs', { signal })).jobs ?? [],
  download: (repo: string, format: DownloadFormat) =>
    apiJson<DownloadAccepted>('/models/download', { method: 'POST', body: { repo, format } }),
  /** cancels an active job, removes a finished one */
  deleteJob: (id: string) => apiJson<void>(`/models/jobs/${enc(id)}`, { method: 'DELETE' }),
  local: (signal?: AbortSignal) => apiJson<LocalModelsResponse>('/models/local', { signal }),
  starters: (signal?: AbortSignal) => apiJson<StartersResponse>('/models/starters', { signal }),
  hubFiles: (repo: string, signal?: AbortSignal) =>
    apiJson<HubFiles>(`/models/hub/files?repo=${enc(repo)}`, { signal }),
};
