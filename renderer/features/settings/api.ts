import type {
  HfTokenRequest,
  HfTokenStatus,
  Settings,
  SettingsResponse,
} from '../../../shared/api/settings';
import { apiJson } from '../../lib/api-client';

export type { HfTokenStatus };

export const settingsApi = {
  get: (signal?: AbortSignal) => apiJson<SettingsResponse>('/settings', { signal }),
  replace: (settings: Settings) =>
    apiJson<SettingsResponse>('/settings', { method: 'PUT', body: settings }),
  token: (signal?: AbortSignal) => apiJson<HfTokenStatus>('/settings/hf-token', { signal }),
  setToken: (body: HfTokenRequest) =>
    apiJson<HfTokenStatus>('/settings/hf-token', { method: 'PUT', body }),
  clearToken: () => apiJson<HfTokenStatus>('/settings/hf-token', { method: 'DELETE' }),
};
