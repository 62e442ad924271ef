import { apiJson, apiText } from '../../lib/api-client';

export interface NodeInfo {
  name: string;
  address: string;
  local?: boolean;
  reachable?: boolean | null;
  error?: string;
  version?: string;
}

/** llamactl answers `{name: {address}}`; our server may add `local`/`reachable`. Both read the same. */
export function normalizeNodes(raw: unknown): NodeInfo[] {
  if (Array.isArray(raw)) return raw as NodeInfo[];
  if (!raw || typeof raw !== 'object') return [];
  return Object.entries(raw as Record<string, Omit<NodeInfo, 'name'>>).map(([name, v]) => ({
    name,
    ...v,
  }));
}

export function parseVersion(text: string): { version: string; commit: string; buildTime: string } {
  const get = (label: string) =>
    new RegExp(`^${label}:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim() ?? 'unknown';
  return { version: get('Version'), commit: get('Commit'), buildTime: get('Build Time') };
}

/** The nodes named in the (sanitized) config, the local one flagged. */
export function nodesFromConfig(config: Record<string, any> | undefined): NodeInfo[] {
  if (!config) return [];
  const local = (config.local_node as string) || 'main';
  const nodes = normalizeNodes(config.nodes ?? {});
  if (!nodes.some((n) => n.name === local)) nodes.unshift({ name: local, address: '' });
  return nodes
    .map((n) => ({ ...n, local: n.name === local }))
    .sort((a, b) => Number(b.local) - Number(a.local) || a.name.localeCompare(b.name));
}

export const systemApi = {
  version: async () => parseVersion(await apiText('/version')),
  config: () => apiJson<Record<string, unknown>>('/config'),
  nodes: async () => normalizeNodes(await apiJson<unknown>('/nodes')),
  llamaVersion: () => apiText('/backends/llama-cpp/version'),
  llamaDevices: () => apiText('/backends/llama-cpp/devices'),
};
