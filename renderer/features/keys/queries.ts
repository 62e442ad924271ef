import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { keysApi, type CreateKeyBody } from './api';

export const keyKeys = {
  all: ['keys'] as const,
  list: () => [...keyKeys.all, 'list'] as const,
  permissions: (id: number) => [...keyKeys.all, 'permissions', id] as const,
};

export function useApiKeys() {
  return useQuery({ queryKey: keyKeys.list(), queryFn: ({ signal }) => keysApi.list(signal) });
}

export function useKeyPermissions(id: number, enabled: boolean) {
  return useQuery({
    queryKey: keyKeys.permissions(id),
    queryFn: () => keysApi.permissions(id),
    enabled,
  });
}

export function useCreateApiKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateKeyBody) => keysApi.create(body),
    onSuccess: () => qc.invalidateQueries({ queryKey: keyKeys.list() }),
  });
}

export function useDeleteApiKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => keysApi.remove(id),
    onSuccess: () => qc.invalidateQueries({ queryKey: keyKeys.list() }),
  });
}
