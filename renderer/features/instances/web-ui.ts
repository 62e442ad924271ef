import { useQuery } from '@tanstack/react-query';
import { serverBase } from '../../lib/api-client';
import { instanceKeys } from './queries';

export function llamaWebUiUrl(name: string): string {
  return `${serverBase()}llama-cpp/${encodeURIComponent(name)}/`;
}

/**
 * Whether llama-server's own page answers under /llama-cpp/<name>/ (it is served only while
 * the instance runs, needs no key, and is absent with --no-webui). Asked once per run.
 */
export function useLlamaWebUi(name: string, running: boolean) {
  return useQuery({
    queryKey: [...instanceKeys.all, 'web-ui', name] as const,
    queryFn: async ({ signal }) => {
      const res = await fetch(llamaWebUiUrl(name), { method: 'HEAD', signal });
      return res.ok;
    },
    enabled: running,
    staleTime: Infinity,
    retry: false,
  });
}
