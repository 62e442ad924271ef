import { VERSION } from '../version';
import type { AppConfig, BackendConfig } from './schema';

/** What an environment value is replaced with in `GET /api/v1/config`. */
export const REDACTED = '[redacted]';

const NS_PER_MS = 1_000_000;

/**
 * The body of `GET /api/v1/config`: llamactl's JSON (reference §8.4) with its wire quirks
 * (durations in nanoseconds, `LogRotation*` Go field names, empty fields omitted) and no secret
 * of any kind: management keys become `[]`, node `api_key`s are dropped and, unlike llamactl,
 * the values of backend and docker `environment` maps are redacted (they typically hold tokens
 * such as HF_TOKEN); their names stay visible.
 */
export function sanitizedConfig(config: AppConfig): Record<string, unknown> {
  const s = config.server;
  const i = config.instances;
  const d = config.database;
  return {
    server: omitEmpty({
      host: s.host,
      port: s.port,
      allowed_origins: s.allowed_origins,
      allowed_headers: s.allowed_headers,
      allowed_hosts: s.allowed_hosts,
      trusted_proxies: s.trusted_proxies,
      enable_swagger: s.enable_swagger,
      response_headers: s.response_headers,
      max_body_bytes: s.max_body_bytes,
    }),
    backends: Object.fromEntries(
      Object.entries(config.backends).map(([key, section]) => [key, backend(section)]),
    ),
    instances: {
      port_range: i.port_range,
      auto_create_dirs: i.auto_create_dirs,
      max_instances: i.max_instances,
      ...(i.max_running_instances !== 0 && { max_running_instances: i.max_running_instances }),
      ...(Object.keys(i.group_limits).length > 0 && { group_limits: i.group_limits }),
      enable_lru_eviction: i.enable_lru_eviction,
      memory_check: i.memory_check,
      default_idle_timeout: i.default_idle_timeout,
      default_auto_restart: i.default_auto_restart,
      default_max_restarts: i.default_max_restarts,
      default_restart_delay: i.default_restart_delay,
      default_on_demand_start: i.default_on_demand_start,
      ...(i.on_demand_start_timeout !== 0 && {
        on_demand_start_timeout: i.on_demand_start_timeout,
      }),
      timeout_check_interval: i.timeout_check_interval,
      logs_dir: i.logs_dir,
      instances_dir: i.instances_dir,
      LogRotationEnabled: i.log_rotation_enabled,
      LogRotationMaxSize: i.log_rotation_max_size,
      LogRotationCompress: i.log_rotation_compress,
      LogRotationMaxBackups: i.log_rotation_max_backups,
    },
    database: {
      path: d.path,
      max_open_connections: d.max_open_connections,
      max_idle_connections: d.max_idle_connections,
      connection_max_lifetime: Math.round(d.connection_max_lifetime * NS_PER_MS),
    },
    auth: {
      require_inference_auth: config.auth.require_inference_auth,
      require_management_auth: config.auth.require_management_auth,
      management_keys: [],
    },
    ...(config.local_node && { local_node: config.local_node }),
    ...(Object.keys(config.nodes).length > 0 && {
      nodes: Object.fromEntries(
        Object.entries(config.nodes).map(([name, n]) => [name, { address: n.address }]),
      ),
    }),
    downloads: config.downloads,
    runtimes: config.runtimes,
    models: config.models,
    data_dir: config.data_dir,
    version: VERSION.version,
    commit_hash: VERSION.commit,
    build_time: VERSION.buildTime,
  };
}

function backend(b: BackendConfig): Record<string, unknown> {
  return omitEmpty({
    command: b.command,
    args: b.args,
    environment: redact(b.environment),
    docker: b.docker && omitEmpty({ ...b.docker, environment: redact(b.docker.environment) }),
    response_headers: b.response_headers,
    cache_dir: b.cache_dir,
    download_timeout: b.download_timeout ? Math.round(b.download_timeout * NS_PER_MS) : undefined,
  });
}

function redact(env: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!env) return undefined;
  return Object.fromEntries(Object.keys(env).map((k) => [k, REDACTED]));
}

/** Go's `omitempty` for the fields llamactl marks so: undefined, '' and empty maps disappear. */
function omitEmpty(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === '') continue;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)
      continue;
    out[k] = v;
  }
  return out;
}
