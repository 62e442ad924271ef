import type { BackendType, Instance, InstanceOptions } from '../../../shared/api/instances';
import type { MemoryEstimateResponse } from '../../../shared/api/memory';
import { backendOf, type ParseCommandResponse } from '../../../shared/backends';
import { apiJson, apiText } from '../../lib/api-client';

const enc = encodeURIComponent;

export const instancesApi = {
  list: (signal?: AbortSignal) => apiJson<Instance[]>('/instances', { signal }),
  get: (name: string) => apiJson<Instance>(`/instances/${enc(name)}`),
  create: (name: string, options: Partial<InstanceOptions>) =>
    apiJson<Instance>(`/instances/${enc(name)}`, { method: 'POST', body: options }),
  update: (name: string, options: Partial<InstanceOptions>) =>
    apiJson<Instance>(`/instances/${enc(name)}`, { method: 'PUT', body: options }),
  remove: (name: string) => apiJson<void>(`/instances/${enc(name)}`, { method: 'DELETE' }),
  start: (name: string) => apiJson<Instance>(`/instances/${enc(name)}/start`, { method: 'POST' }),
  stop: (name: string) => apiJson<Instance>(`/instances/${enc(name)}/stop`, { method: 'POST' }),
  restart: (name: string) =>
    apiJson<Instance>(`/instances/${enc(name)}/restart`, { method: 'POST' }),
  logs: (name: string, lines: number) => apiText(`/instances/${enc(name)}/logs?lines=${lines}`),
  parseCommand: (type: BackendType, command: string) =>
    apiJson<ParseCommandResponse>(`/backends/${backendOf(type).routeSegment}/parse-command`, {
      method: 'POST',
      body: { command },
    }),
  memoryEstimate: (options: Partial<InstanceOptions>, signal?: AbortSignal) =>
    apiJson<MemoryEstimateResponse>('/system/memory-estimate', {
      method: 'POST',
      body: options,
      signal,
    }),
  routerModels: (name: string) => apiJson<RouterModelList>(`/llama-cpp/${enc(name)}/models`),
  loadModel: (name: string, model: string) =>
    apiJson<unknown>(`/llama-cpp/${enc(name)}/models/${enc(model)}/load`, {
      method: 'POST',
      body: { model },
    }),
  unloadModel: (name: string, model: string) =>
    apiJson<unknown>(`/llama-cpp/${enc(name)}/models/${enc(model)}/unload`, {
      method: 'POST',
      body: { model },
    }),
};

export interface RouterModel {
  id: string;
  object?: string;
  owned_by?: string;
  in_cache?: boolean;
  path?: string;
  status?: { value: 'loaded' | 'loading' | 'unloaded' | string; args?: string[] };
}
export interface RouterModelList {
  object?: string;
  data: RouterModel[];
}
