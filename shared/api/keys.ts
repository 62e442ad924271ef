/** API key (inference key) shapes of `/api/v1/auth/keys`, as llamactl sends them. */

export const PERMISSION_MODES = ['allow_all', 'per_instance'] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number];

/** Longest accepted key name, in UTF-8 bytes (llamactl's rule). */
export const KEY_NAME_MAX_BYTES = 100;

export interface ApiKey {
  id: number;
  name: string;
  /** always "system" (llamactl has no users yet) */
  user_id: string;
  permission_mode: PermissionMode;
  /** unix seconds, or null for a key that never expires */
  expires_at: number | null;
  created_at: number;
  updated_at: number;
  last_used_at: number | null;
}

/** The create response: the only time the plain key is ever shown. */
export interface CreatedApiKey extends ApiKey {
  key: string;
}

export interface CreateApiKeyRequest {
  name: string;
  permission_mode: PermissionMode;
  expires_at?: number | null;
  /** required (non-empty) for per_instance; ignored for allow_all */
  instance_ids?: number[];
}

export interface KeyPermission {
  instance_id: number;
  instance_name: string;
}
