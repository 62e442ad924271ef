import { z } from 'zod';
import { MAX_IDLE_TIMEOUT_MIN, MAX_RESTART_DELAY_S } from '../../shared/api/instances';
import { parseIpRange } from './ip-ranges';

/**
 * The configuration, with llamactl's YAML structure and key spelling (`backends.llama-cpp`).
 * Defaults that depend on the OS or on other keys (paths, docker volume args) are filled in by
 * `load-config.ts`; this schema validates and types the merged result.
 */

const stringMap = z.record(z.string(), z.string());

/** Go-style duration ("90s", "5m", "1h30m", "250ms") or a number of seconds; parsed to milliseconds. */
export const DurationSchema = z
  .union([z.number().nonnegative(), z.string()])
  .transform((v, ctx) => {
    if (typeof v === 'number') return v * 1000;
    const ms = parseGoDuration(v);
    if (ms === null) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a duration such as "90s", "5m" or "1h" (got "${v}")`,
      });
      return z.NEVER;
    }
    return ms;
  });

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
export function parseGoDuration(text: string): number | null {
  const s = text.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    total += Number(m[1]) * UNIT_MS[m[2]];
    matched = re.lastIndex;
  }
  return matched === s.length && s.length > 0 ? total : null;
}

export const DockerConfigSchema = z.object({
  enabled: z.boolean(),
  image: z.string(),
  args: z.array(z.string()),
  environment: stringMap.optional(),
});

export const BackendConfigSchema = z.object({
  command: z.string().min(1),
  args: z.array(z.string()),
  environment: stringMap.optional(),
  docker: DockerConfigSchema.optional(),
  response_headers: stringMap.optional(),
  cache_dir: z.string().optional(),
  /** milliseconds */
  download_timeout: DurationSchema.optional(),
});

const port = z.number().int().min(1).max(65535);

export const NodeConfigSchema = z.object({
  address: z.string().default(''),
  api_key: z.string().optional(),
  /** milliseconds: connection and status-check deadline for this node (default 2 s) */
  timeout: DurationSchema.optional(),
  /** milliseconds: how often this node's instances are polled while there are any (default 3 s) */
  poll_interval: DurationSchema.optional(),
});

export const AppConfigSchema = z.object({
  server: z.object({
    host: z.string().min(1),
    port: z.number().int().min(0).max(65535),
    allowed_origins: z.array(z.string()),
    allowed_headers: z.array(z.string()),
    /**
     * Extra Host header values accepted when bound to loopback (besides localhost, 127.0.0.1,
     * [::1] and the bound host), e.g. a name from /etc/hosts or a reverse proxy's host.
     */
    allowed_hosts: z.array(z.string()),
    /**
     * Reverse proxies (IP addresses or CIDR ranges) whose X-Forwarded-Host and
     * X-Forwarded-Proto the same-origin check believes.
     */
    trusted_proxies: z.array(
      z.string().refine((s) => parseIpRange(s) !== null, {
        message: 'must be an IP address or a CIDR range (127.0.0.1, 10.0.0.0/8, fd00::/8)',
      }),
    ),
    enable_swagger: z.boolean(),
    response_headers: stringMap.optional(),
    /** request body limit for the management API and /v1 routing, bytes */
    max_body_bytes: z.number().int().positive(),
  }),
  backends: z.object({
    'llama-cpp': BackendConfigSchema,
    vllm: BackendConfigSchema,
    mlx: BackendConfigSchema,
  }),
  data_dir: z.string().min(1),
  instances: z
    .object({
      port_range: z.tuple([port, port]),
      auto_create_dirs: z.boolean(),
      max_instances: z.number().int().min(-1),
      max_running_instances: z.number().int().min(-1),
      group_limits: z.record(z.string(), z.number().int().min(0)),
      enable_lru_eviction: z.boolean(),
      /** refuse a start whose memory estimate does not fit the free memory */
      memory_check: z.boolean(),
      default_idle_timeout: z.number().int().min(0).max(MAX_IDLE_TIMEOUT_MIN),
      default_auto_restart: z.boolean(),
      default_max_restarts: z.number().int().min(0),
      default_restart_delay: z.number().int().min(0).max(MAX_RESTART_DELAY_S),
      default_on_demand_start: z.boolean(),
      /** seconds */
      on_demand_start_timeout: z.number().int().min(0).max(MAX_RESTART_DELAY_S),
      /** seconds a failed on-demand start is answered again without a new spawn; 0 = off */
      failed_start_backoff: z.number().int().min(0).max(MAX_RESTART_DELAY_S),
      /** minutes; fractions allowed so tests can use short intervals */
      timeout_check_interval: z.number().positive().max(MAX_IDLE_TIMEOUT_MIN),
      logs_dir: z.string().min(1),
      instances_dir: z.string().min(1),
      log_rotation_enabled: z.boolean(),
      log_rotation_max_size: z.number().int().min(1),
      log_rotation_compress: z.boolean(),
      /** rotated files kept per instance (in <logs_dir>/backups/<name>/); older ones are deleted */
      log_rotation_max_backups: z.number().int().min(0),
    })
    .refine((i) => i.port_range[0] < i.port_range[1], {
      message: 'port_range must be [low, high] with low < high',
      path: ['port_range'],
    }),
  database: z.object({
    path: z.string().min(1),
    max_open_connections: z.number().int().min(1),
    max_idle_connections: z.number().int().min(0),
    /** milliseconds */
    connection_max_lifetime: DurationSchema,
  }),
  auth: z.object({
    require_inference_auth: z.boolean(),
    require_management_auth: z.boolean(),
    // an empty or blank key is never a key (e.g. `${ADMIN_KEY:-}` with ADMIN_KEY unset)
    management_keys: z.array(z.string().regex(/\S/, 'must not be empty or blank')),
  }),
  local_node: z.string().min(1),
  nodes: z.record(z.string(), NodeConfigSchema),
  downloads: z.object({
    /** how many download jobs run at once; the rest queue */
    max_concurrent_jobs: z.number().int().min(1),
    /** HTTP connections all downloads use together */
    max_connections: z.number().int().min(1),
    /** connections one file downloads over (one segment each) */
    connections_per_file: z.number().int().min(1),
    /** segment size in MiB; files no larger are fetched by one request */
    segment_size: z.number().int().min(1),
    /** MB/s all downloads may use together; 0 = no cap */
    max_bandwidth: z.number().int().min(0),
  }),
  metrics: z.object({
    /** GET /metrics without a key, for clients on this machine only */
    public: z.boolean(),
    /** requests kept for GET /api/v1/activity (a ring: the oldest is dropped); 0 records none */
    activity_size: z.number().int().min(0).max(100_000),
  }),
  runtimes: z.object({
    llama_cpp: z.object({
      /** GitHub's REST releases endpoint of llama.cpp (or a mirror serving the same shapes) */
      releases_url: z.url({ protocol: /^https?$/ }),
    }),
  }),
  models: z.object({
    /** folders scanned for GGUF files; empty: the download cache and ~/models */
    folders: z.array(z.string().min(1)),
  }),
});

export type AppConfig = z.output<typeof AppConfigSchema>;
export type BackendConfig = z.output<typeof BackendConfigSchema>;
export type BackendConfigKey = keyof AppConfig['backends'];
