import { z } from 'zod';

export const BACKEND_TYPES = ['llama_cpp', 'mlx_lm', 'vllm'] as const;
export const BackendTypeSchema = z.enum(BACKEND_TYPES);
export type BackendType = z.infer<typeof BackendTypeSchema>;

/** llamactl's status enum, same meaning: process-based, not readiness. */
export const INSTANCE_STATUSES = [
  'stopped',
  'running',
  'failed',
  'restarting',
  'shutting_down',
] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

/** Our addition: readiness derived from polling the backend's health URL. */
export const INSTANCE_HEALTHS = ['stopped', 'starting', 'ready', 'unhealthy', 'failed'] as const;
export type InstanceHealth = (typeof INSTANCE_HEALTHS)[number];

/** Instance name rule: llamactl's, minus dot-only names (`.`/`..` would escape folders). */
export const INSTANCE_NAME_RE = /^[a-zA-Z0-9._-]+$/;
export const INSTANCE_NAME_MAX = 50;
export function instanceNameError(name: string): string | null {
  if (name.length === 0) return 'name cannot be empty';
  if (!INSTANCE_NAME_RE.test(name))
    return 'name contains invalid characters (only alphanumeric, periods, hyphens, underscores allowed)';
  if (new TextEncoder().encode(name).length > INSTANCE_NAME_MAX)
    return 'name too long (max 50 characters)';
  if (/^\.+$/.test(name)) return 'name cannot consist of dots only';
  return null;
}

/** The options object: request body of create/update and `options` in responses. */
/**
 * Upper bounds of the duration options. A timer longer than 2^31-1 ms (24.8 days) fires after
 * 1 ms in Node, so an unbounded `restart_delay: 99999999999` would restart at once.
 */
export const MAX_RESTART_DELAY_S = 86_400;
export const MAX_IDLE_TIMEOUT_MIN = 10_080;

export interface InstanceOptions {
  nodes?: string[];
  backend_type: BackendType;
  backend_options: Record<string, unknown>;
  auto_restart: boolean;
  max_restarts: number;
  restart_delay: number;
  on_demand_start: boolean;
  idle_timeout: number;
  environment?: Record<string, string>;
  preset_ini?: string;
  docker_enabled?: boolean;
  command_override?: string;
  group?: string;
  /** start even when the memory estimate does not fit (instances.memory_check) */
  skip_memory_check?: boolean;
}

/** As returned by every instance endpoint. Field order follows llamactl; `health` etc. are ours. */
/** Resources of a running instance's process group (Linux /proc; `ps` elsewhere). */
export interface InstanceResources {
  /** resident memory of every process of the group */
  rss_bytes: number;
  /** CPU use since the previous sample, 100 = one core; null on the first sample */
  cpu_percent: number | null;
  /** processes in the group (llama-server router children, vLLM workers) */
  processes: number;
  uptime_seconds: number;
  /** TCP ports the group listens on (Linux) */
  listen_ports: number[];
  /** GPU memory in use (nvidia-smi); null where it cannot be had */
  gpu_memory_bytes: number | null;
  /** ms since epoch */
  sampled_at: number;
}

export interface InstanceError {
  message: string;
  at: number;
}

export interface Instance {
  id: number;
  name: string;
  status: InstanceStatus;
  created?: number;
  options: InstanceOptions;
  health: InstanceHealth;
  /** node the instance lives on (local node name for local ones) */
  node?: string;
  /** consecutive automatic restarts since the last stable run or manual start */
  restarts?: number;
  /** pid of the running backend process */
  pid?: number;
  /** unix seconds of the last proxied request */
  last_request_at?: number;
  /** requests being proxied right now */
  in_flight?: number;
  /** last exit: code or signal, and a hint from the log tail */
  last_exit?: { code: number | null; signal: string | null; at: number } | null;
  /**
   * Why the last start failed or the process last ended in a crash (`at`: unix seconds); null
   * once a start begins again or the instance became ready. Kept across server restarts.
   * Additive to llamactl's instance object.
   */
  last_error?: InstanceError | null;
  /**
   * What the instance's process group uses (sampled every 2 s while someone watches); null when
   * it is not running here. Additive to llamactl's instance object.
   */
  resources?: InstanceResources | null;
  /**
   * What it needs by the estimate from its GGUF header and options (weights, KV cache, compute,
   * base); null where nothing is estimated (MLX, vLLM, Docker, no local model file). Ours.
   */
  memory_estimate_bytes?: number | null;
  /** the last failed database write of its supervisor (the status shown may not be stored) */
  store_error?: string;
  /** for remote instances whose node did not answer */
  unreachable?: boolean;
  /** for remote instances: why the last refresh from the node failed (node down, instance gone there) */
  node_error?: string;
}
