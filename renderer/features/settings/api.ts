import type { Settings, SettingsResponse } from '../../../shared/api/settings';
import { apiJson } from '../../lib/api-client';

/** `GET /api/v1/settings/hf-token`: never the token itself. */
export interface HfTokenStatus {
  set: boolean;
  source: 'environment' | 'file' | 'none';
  masked?: string;
  file: string;
}

export const settingsApi = {
  get: (signal?: AbortSignal) => apiJson<SettingsResponse>('/settings', { signal }),
  replace: (settings: Settings) =>
    apiJson<SettingsResponse>('/settings', { method: 'PUT', body: settings }),
  token: (signal?: AbortSignal) => apiJson<HfTokenStatus>('/settings/hf-token', { signal }),
  setToken: (token: string) =>
    apiJson<HfTokenStatus>('/settings/hf-token', { method: 'PUT', body: { token } }),
  clearToken: () => apiJson<HfTokenStatus>('/settings/hf-token', { method: 'DELETE' }),
};
