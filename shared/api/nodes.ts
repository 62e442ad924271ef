/** GET /api/v1/nodes and /api/v1/nodes/{name}: llamactl's `{name: {address}}` plus status. */
export interface NodeInfo {
  /** base URL of the node's server; empty for the local node */
  address: string;
  /** true for this server's own entry (`local_node`) */
  local: boolean;
  /** the node answered its last check (always true for the local node) */
  reachable: boolean;
  /** the node's server version (`Version:` line of its /api/v1/version) when it answered */
  version?: string;
  /** why the last check failed */
  error?: string;
  /** unix ms of the last check (absent for the local node) */
  checked_at?: number;
}

export type NodesResponse = Record<string, NodeInfo>;
