import { useQuery } from '@tanstack/react-query';
import { chatApi } from './api';

export const chatKeys = {
  all: ['chat'] as const,
  models: () => [...chatKeys.all, 'models'] as const,
};

/** `/v1/models`: every instance the key may use, plus router-mode `instance/model` entries. */
export function useChatModels() {
  return useQuery({
    queryKey: chatKeys.models(),
    queryFn: ({ signal }) => chatApi.models(signal),
    staleTime: 10_000,
  });
}
