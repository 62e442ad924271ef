import { AppError } from '../../shared/errors';
import type { AppConfig } from '../config/schema';

export type NodeTarget =
  { local: true; node: string } | { local: false; node: string; address: string; apiKey?: string };

/**
 * Where a model request with `?node=` goes. Empty or the local node's name: here. A configured
 * remote node: forwarded (the nodes feature does the forwarding). Anything else: llamactl's 404
 * `node_not_found`.
 */
export function modelRequestTarget(config: AppConfig, node: unknown): NodeTarget {
  const local = config.local_node;
  if (node === undefined || node === '' || node === local) return { local: true, node: local };
  if (typeof node !== 'string')
    throw new AppError('invalid_parameter', 'node: must be a single node name');
  const entry = config.nodes[node];
  if (!entry) throw new AppError('node_not_found', 'Node not found');
  return { local: false, node, address: entry.address, apiKey: entry.api_key };
}
