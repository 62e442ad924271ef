/**
 * The `LLAMACTL_*` environment variables (reference §8.3), each overriding one config field.
 * Unlike llamactl, which silently ignores an unparsable value, a bad value is an error naming
 * the variable, the value and the rule: a typo in a port must not start a server elsewhere.
 */

type Parser = (raw: string) => unknown;

export interface EnvOverride {
  env: string;
  /** YAML key path */
  path: string[];
  parse: Parser;
}

export class EnvParseError extends Error {
  constructor(
    readonly variable: string,
    readonly value: string,
    readonly rule: string,
    readonly key: string,
  ) {
    super(`${variable} = ${JSON.stringify(value)}: ${rule} (sets ${key})`);
    this.name = 'EnvParseError';
  }
}

class RuleError extends Error {}

const str: Parser = (v) => v;
const int: Parser = (v) => {
  if (!/^[+-]?\d+$/.test(v.trim())) throw new RuleError('must be an integer');
  return Number.parseInt(v, 10);
};
/** Go's strconv.ParseBool spellings */
const bool: Parser = (v) => {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw new RuleError('must be a boolean (true/false/1/0)');
};
/** Comma list; items are trimmed and empty items dropped (a stray space is never part of a key). */
const commaList: Parser = (v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const spaceList: Parser = (v) => v.split(/\s+/).filter(Boolean);
/** Folders separated like PATH (`:`, or `;` on Windows), so a comma in a folder name is fine. */
const pathList: Parser = (v) =>
  v
    .split(process.platform === 'win32' ? ';' : ':')
    .map((s) => s.trim())
    .filter(Boolean);
const kvMap =
  (sep: string): Parser =>
  (v) => {
    const out: Record<string, string> = {};
    for (const pair of v.split(sep)) {
      if (!pair.trim()) continue;
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new RuleError(`must be KEY=VALUE pairs separated by "${sep}"`);
      out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
    }
    return out;
  };
const portRange: Parser = (v) => {
  const m = /^\s*(\d+)\s*[-,]\s*(\d+)\s*$/.exec(v);
  if (!m) throw new RuleError('must be "LOW-HIGH" or "LOW,HIGH"');
  return [Number(m[1]), Number(m[2])];
};
const seconds: Parser = (v) => {
  const n = int(v) as number;
  if (n < 0) throw new RuleError('must be a non-negative number of seconds');
  return n;
};

const LLAMA = ['backends', 'llama-cpp'];
const VLLM = ['backends', 'vllm'];
const MLX = ['backends', 'mlx'];

export const ENV_OVERRIDES: EnvOverride[] = [
  { env: 'LLAMACTL_HOST', path: ['server', 'host'], parse: str },
  { env: 'LLAMACTL_PORT', path: ['server', 'port'], parse: int },
  { env: 'LLAMACTL_ALLOWED_ORIGINS', path: ['server', 'allowed_origins'], parse: commaList },
  { env: 'LLAMACTL_ALLOWED_HOSTS', path: ['server', 'allowed_hosts'], parse: commaList },
  { env: 'LLAMACTL_TRUSTED_PROXIES', path: ['server', 'trusted_proxies'], parse: commaList },
  { env: 'LLAMACTL_ENABLE_SWAGGER', path: ['server', 'enable_swagger'], parse: bool },
  { env: 'LLAMACTL_METRICS_PUBLIC', path: ['metrics', 'public'], parse: bool },
  { env: 'LLAMACTL_ACTIVITY_SIZE', path: ['metrics', 'activity_size'], parse: int },
  { env: 'LLAMACTL_LLAMACPP_COMMAND', path: [...LLAMA, 'command'], parse: str },
  { env: 'LLAMACTL_LLAMACPP_ARGS', path: [...LLAMA, 'args'], parse: spaceList },
  { env: 'LLAMACTL_LLAMACPP_ENV', path: [...LLAMA, 'environment'], parse: kvMap(',') },
  { env: 'LLAMACTL_LLAMACPP_DOCKER_ENABLED', path: [...LLAMA, 'docker', 'enabled'], parse: bool },
  { env: 'LLAMACTL_LLAMACPP_DOCKER_IMAGE', path: [...LLAMA, 'docker', 'image'], parse: str },
  { env: 'LLAMACTL_LLAMACPP_DOCKER_ARGS', path: [...LLAMA, 'docker', 'args'], parse: spaceList },
  {
    env: 'LLAMACTL_LLAMACPP_DOCKER_ENV',
    path: [...LLAMA, 'docker', 'environment'],
    parse: kvMap(','),
  },
  {
    env: 'LLAMACTL_LLAMACPP_RESPONSE_HEADERS',
    path: [...LLAMA, 'response_headers'],
    parse: kvMap(';'),
  },
  { env: 'LLAMACTL_LLAMACPP_CACHE_DIR', path: [...LLAMA, 'cache_dir'], parse: str },
  // llama.cpp's own variable wins over ours, as in llamactl: both must point at the same cache.
  { env: 'LLAMA_CACHE', path: [...LLAMA, 'cache_dir'], parse: str },
  {
    env: 'LLAMACTL_LLAMACPP_DOWNLOAD_TIMEOUT',
    path: [...LLAMA, 'download_timeout'],
    parse: seconds,
  },
  { env: 'LLAMACTL_VLLM_COMMAND', path: [...VLLM, 'command'], parse: str },
  { env: 'LLAMACTL_VLLM_ARGS', path: [...VLLM, 'args'], parse: spaceList },
  { env: 'LLAMACTL_VLLM_ENV', path: [...VLLM, 'environment'], parse: kvMap(',') },
  { env: 'LLAMACTL_VLLM_DOCKER_ENABLED', path: [...VLLM, 'docker', 'enabled'], parse: bool },
  { env: 'LLAMACTL_VLLM_DOCKER_IMAGE', path: [...VLLM, 'docker', 'image'], parse: str },
  { env: 'LLAMACTL_VLLM_DOCKER_ARGS', path: [...VLLM, 'docker', 'args'], parse: spaceList },
  { env: 'LLAMACTL_VLLM_DOCKER_ENV', path: [...VLLM, 'docker', 'environment'], parse: kvMap(',') },
  { env: 'LLAMACTL_VLLM_RESPONSE_HEADERS', path: [...VLLM, 'response_headers'], parse: kvMap(';') },
  { env: 'LLAMACTL_MLX_COMMAND', path: [...MLX, 'command'], parse: str },
  { env: 'LLAMACTL_MLX_ARGS', path: [...MLX, 'args'], parse: spaceList },
  { env: 'LLAMACTL_MLX_ENV', path: [...MLX, 'environment'], parse: kvMap(',') },
  { env: 'LLAMACTL_MLX_RESPONSE_HEADERS', path: [...MLX, 'response_headers'], parse: kvMap(';') },
  { env: 'LLAMACTL_DATA_DIRECTORY', path: ['data_dir'], parse: str },
  { env: 'LLAMACTL_INSTANCE_PORT_RANGE', path: ['instances', 'port_range'], parse: portRange },
  { env: 'LLAMACTL_AUTO_CREATE_DATA_DIR', path: ['instances', 'auto_create_dirs'], parse: bool },
  { env: 'LLAMACTL_MAX_INSTANCES', path: ['instances', 'max_instances'], parse: int },
  {
    env: 'LLAMACTL_MAX_RUNNING_INSTANCES',
    path: ['instances', 'max_running_instances'],
    parse: int,
  },
  { env: 'LLAMACTL_ENABLE_LRU_EVICTION', path: ['instances', 'enable_lru_eviction'], parse: bool },
  { env: 'LLAMACTL_MEMORY_CHECK', path: ['instances', 'memory_check'], parse: bool },
  { env: 'LLAMACTL_DEFAULT_IDLE_TIMEOUT', path: ['instances', 'default_idle_timeout'], parse: int },
  {
    env: 'LLAMACTL_DEFAULT_AUTO_RESTART',
    path: ['instances', 'default_auto_restart'],
    parse: bool,
  },
  { env: 'LLAMACTL_DEFAULT_MAX_RESTARTS', path: ['instances', 'default_max_restarts'], parse: int },
  {
    env: 'LLAMACTL_DEFAULT_RESTART_DELAY',
    path: ['instances', 'default_restart_delay'],
    parse: int,
  },
  {
    env: 'LLAMACTL_DEFAULT_ON_DEMAND_START',
    path: ['instances', 'default_on_demand_start'],
    parse: bool,
  },
  {
    env: 'LLAMACTL_ON_DEMAND_START_TIMEOUT',
    path: ['instances', 'on_demand_start_timeout'],
    parse: int,
  },
  {
    env: 'LLAMACTL_FAILED_START_BACKOFF',
    path: ['instances', 'failed_start_backoff'],
    parse: int,
  },
  {
    env: 'LLAMACTL_TIMEOUT_CHECK_INTERVAL',
    path: ['instances', 'timeout_check_interval'],
    parse: int,
  },
  { env: 'LLAMACTL_LOGS_DIR', path: ['instances', 'logs_dir'], parse: str },
  { env: 'LLAMACTL_INSTANCES_DIR', path: ['instances', 'instances_dir'], parse: str },
  {
    env: 'LLAMACTL_LOG_ROTATION_ENABLED',
    path: ['instances', 'log_rotation_enabled'],
    parse: bool,
  },
  {
    env: 'LLAMACTL_LOG_ROTATION_MAX_SIZE',
    path: ['instances', 'log_rotation_max_size'],
    parse: int,
  },
  {
    env: 'LLAMACTL_LOG_ROTATION_COMPRESS',
    path: ['instances', 'log_rotation_compress'],
    parse: bool,
  },
  {
    env: 'LLAMACTL_LOG_ROTATION_MAX_BACKUPS',
    path: ['instances', 'log_rotation_max_backups'],
    parse: int,
  },
  { env: 'LLAMACTL_DATABASE_PATH', path: ['database', 'path'], parse: str },
  {
    env: 'LLAMACTL_DATABASE_MAX_OPEN_CONNECTIONS',
    path: ['database', 'max_open_connections'],
    parse: int,
  },
  {
    env: 'LLAMACTL_DATABASE_MAX_IDLE_CONNECTIONS',
    path: ['database', 'max_idle_connections'],
    parse: int,
  },
  {
    env: 'LLAMACTL_DATABASE_CONN_MAX_LIFETIME',
    path: ['database', 'connection_max_lifetime'],
    parse: str,
  },
  { env: 'LLAMACTL_REQUIRE_INFERENCE_AUTH', path: ['auth', 'require_inference_auth'], parse: bool },
  {
    env: 'LLAMACTL_REQUIRE_MANAGEMENT_AUTH',
    path: ['auth', 'require_management_auth'],
    parse: bool,
  },
  { env: 'LLAMACTL_MANAGEMENT_KEYS', path: ['auth', 'management_keys'], parse: commaList },
  { env: 'LLAMACTL_LOCAL_NODE', path: ['local_node'], parse: str },
  {
    env: 'LLAMACTL_MAX_CONCURRENT_DOWNLOADS',
    path: ['downloads', 'max_concurrent_jobs'],
    parse: int,
  },
  {
    env: 'LLAMACTL_DOWNLOAD_MAX_CONNECTIONS',
    path: ['downloads', 'max_connections'],
    parse: int,
  },
  {
    env: 'LLAMACTL_DOWNLOAD_CONNECTIONS_PER_FILE',
    path: ['downloads', 'connections_per_file'],
    parse: int,
  },
  { env: 'LLAMACTL_DOWNLOAD_SEGMENT_SIZE', path: ['downloads', 'segment_size'], parse: int },
  { env: 'LLAMACTL_DOWNLOAD_MAX_BANDWIDTH', path: ['downloads', 'max_bandwidth'], parse: int },
  { env: 'LLAMACTL_MAX_BODY_BYTES', path: ['server', 'max_body_bytes'], parse: int },
  {
    env: 'LLAMACTL_LLAMACPP_RELEASES_URL',
    path: ['runtimes', 'llama_cpp', 'releases_url'],
    parse: str,
  },
  { env: 'LLAMACTL_MODELS_FOLDERS', path: ['models', 'folders'], parse: pathList },
];

/**
 * The overrides present in `env`, as a partial config in the YAML structure. Variables are
 * applied in table order, so later entries (LLAMA_CACHE) win over earlier ones.
 */
export function envOverrides(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of ENV_OVERRIDES) {
    const raw = env[o.env];
    if (raw === undefined) continue;
    let value: unknown;
    try {
      value = o.parse(raw);
    } catch (err) {
      if (err instanceof RuleError)
        throw new EnvParseError(o.env, raw, err.message, o.path.join('.'));
      throw err;
    }
    setPath(out, o.path, value);
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  const prev = node[last];
  // Map-valued variables (…_ENV, …_RESPONSE_HEADERS) merge into the map rather than replace it.
  node[last] = isMap(prev) && isMap(value) ? { ...prev, ...value } : value;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
