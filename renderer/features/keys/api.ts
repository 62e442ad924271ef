import { apiJson } from '../../lib/api-client';

export type PermissionMode = 'allow_all' | 'per_instance';

export interface ApiKey {
  id: number;
  name: string;
  user_id?: string;
  permission_mode: PermissionMode;
  expires_at: number | null;
  created_at: number;
  updated_at?: number;
  last_used_at: number | null;
}
export interface CreatedApiKey extends ApiKey {
  key: string;
}
export interface KeyPermission {
  instance_id: number;
  instance_name: string;
}
export interface CreateKeyBody {
  name: string;
  permission_mode: PermissionMode;
  instance_ids?: number[];
  expires_at?: number;
}

export const keysApi = {
  list: (signal?: AbortSignal) => apiJson<ApiKey[]>('/auth/keys', { signal }),
  create: (body: CreateKeyBody) => apiJson<CreatedApiKey>('/auth/keys', { method: 'POST', body }),
  remove: (id: number) => apiJson<void>(`/auth/keys/${id}`, { method: 'DELETE' }),
  permissions: (id: number) => apiJson<KeyPermission[]>(`/auth/keys/${id}/permissions`),
};
