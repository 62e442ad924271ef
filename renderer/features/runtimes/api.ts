import type {
  ReleasesResponse,
  RuntimeInstallAccepted,
  RuntimeVariant,
  RuntimesResponse,
} from '../../../shared/api/runtimes';
import { apiJson } from '../../lib/api-client';

const enc = encodeURIComponent;

export const runtimesApi = {
  list: (signal?: AbortSignal) => apiJson<RuntimesResponse>('/runtimes', { signal }),
  /** `refresh` skips the server's 10-minute cache ("Check for updates") */
  releases: (refresh: boolean, signal?: AbortSignal) =>
    apiJson<ReleasesResponse>(`/runtimes/llama-cpp/releases${refresh ? '?refresh=1' : ''}`, {
      signal,
    }),
  install: (version: string, variant?: RuntimeVariant) =>
    apiJson<RuntimeInstallAccepted>('/runtimes/llama-cpp/install', {
      method: 'POST',
      body: variant ? { version, variant } : { version },
    }),
  setDefault: (path: string) =>
    apiJson<unknown>('/runtimes/llama-cpp/default', { method: 'PUT', body: { path } }),
  remove: (tag: string, variant?: RuntimeVariant) =>
    apiJson<void>(`/runtimes/llama-cpp/${enc(tag)}${variant ? `?variant=${enc(variant)}` : ''}`, {
      method: 'DELETE',
    }),
};
