import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { HfTokenRequest, Settings } from '../../../shared/api/settings';
import { systemKeys } from '../system/queries';
import { settingsApi } from './api';

export const settingsKeys = {
  all: ['settings'] as const,
  settings: () => [...settingsKeys.all, 'values'] as const,
  token: () => [...settingsKeys.all, 'hf-token'] as const,
};

export function useSettings() {
  return useQuery({
    queryKey: settingsKeys.settings(),
    queryFn: ({ signal }) => settingsApi.get(signal),
  });
}

export function useHfToken() {
  return useQuery({
    queryKey: settingsKeys.token(),
    queryFn: ({ signal }) => settingsApi.token(signal),
  });
}

/** Saves settings as a whole (the server replaces the file); `change` edits a copy. */
export function useSaveSettings() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (settings: Settings) => settingsApi.replace(settings),
    onSuccess: (data) => {
      qc.setQueryData(settingsKeys.settings(), data);
      // the default runtime, the config view and the local library follow these settings
      void qc.invalidateQueries({ queryKey: ['runtimes'] });
      void qc.invalidateQueries({ queryKey: systemKeys.all });
      void qc.invalidateQueries({ queryKey: ['models', 'local'] });
    },
  });
}

export function useSetHfToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (change: HfTokenRequest | null) =>
      change === null ? settingsApi.clearToken() : settingsApi.setToken(change),
    onSuccess: (data) => {
      qc.setQueryData(settingsKeys.token(), data);
      // hub listings that failed for want of a token may work now
      void qc.invalidateQueries({ queryKey: ['models', 'hub-files'] });
    },
  });
}
