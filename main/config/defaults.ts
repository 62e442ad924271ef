import { homedir } from 'node:os';
import { join } from 'node:path';

/** llama.cpp's official builds: GitHub's REST API for the ggml-org/llama.cpp releases. */
export const LLAMA_CPP_RELEASES_URL = 'https://api.github.com/repos/ggml-org/llama.cpp/releases';

export interface PlatformInfo {
  platform: NodeJS.Platform;
  home: string;
  env: NodeJS.ProcessEnv;
}

export function currentPlatform(env: NodeJS.ProcessEnv = process.env): PlatformInfo {
  return { platform: process.platform, home: homedir(), env };
}

/** llamactl's default data dir per OS (reference §8.3). */
export function defaultDataDir(p: PlatformInfo): string {
  if (p.platform === 'darwin') return join(p.home, 'Library', 'Application Support', 'llamactl');
  if (p.platform === 'win32') {
    if (p.env.PROGRAMDATA) return join(p.env.PROGRAMDATA, 'llamactl');
    if (p.env.LOCALAPPDATA) return join(p.env.LOCALAPPDATA, 'llamactl');
    return 'C:\\ProgramData\\llamactl';
  }
  if (!p.home) return '/var/lib/llamactl';
  return join(p.home, '.local', 'share', 'llamactl');
}

/** llama.cpp's own cache dir per OS (reference §8.3, `backends.llama-cpp.cache_dir`). */
export function defaultLlamaCacheDir(p: PlatformInfo): string {
  if (p.platform === 'darwin') return join(p.home, 'Library', 'Caches', 'llama.cpp');
  if (p.platform === 'win32')
    return join(p.env.LOCALAPPDATA ?? join(p.home, 'AppData', 'Local'), 'llama.cpp', 'cache');
  if (p.env.XDG_CACHE_HOME) return join(p.env.XDG_CACHE_HOME, 'llama.cpp');
  return join(p.home, '.cache', 'llama.cpp');
}

/** vLLM's default docker arguments: the Hugging Face cache mounted from `<data_dir>/huggingface`. */
export function vllmDockerArgs(dataDir: string): string[] {
  return [
    'run',
    '--rm',
    '--network',
    'host',
    '--gpus',
    'all',
    '--shm-size',
    '1g',
    '-v',
    `${join(dataDir, 'huggingface')}:/root/.cache/huggingface`,
  ];
}

/**
 * Built-in defaults, in the YAML structure. Paths derived from data_dir (logs, instances, db,
 * vLLM's docker mount) are left out here and filled after all sources are merged, so they follow
 * the effective data_dir (LLAMACTL_DATA_DIRECTORY, the file), not the OS default.
 *
 * Deliberate change from llamactl: server.host defaults to 127.0.0.1 (a desktop app must not
 * expose its API on the LAN unless the user asks for it).
 */
export function defaultConfig(p: PlatformInfo): Record<string, unknown> {
  const dataDir = defaultDataDir(p);
  const llamaCache = defaultLlamaCacheDir(p);
  return {
    server: {
      host: '127.0.0.1',
      port: 8080,
      allowed_origins: [],
      allowed_headers: ['*'],
      allowed_hosts: [],
      trusted_proxies: [],
      enable_swagger: false,
      max_body_bytes: 32 * 1024 * 1024,
    },
    backends: {
      'llama-cpp': {
        command: 'llama-server',
        args: [],
        environment: {},
        docker: {
          enabled: false,
          image: 'ghcr.io/ggml-org/llama.cpp:server',
          args: [
            'run',
            '--rm',
            '--network',
            'host',
            '--gpus',
            'all',
            '-v',
            `${llamaCache}:/root/.cache/llama.cpp`,
          ],
          environment: {},
        },
        cache_dir: llamaCache,
        download_timeout: '3600s',
      },
      vllm: {
        command: 'vllm',
        args: ['serve'],
        docker: {
          enabled: false,
          image: 'vllm/vllm-openai:latest',
          // args: vllmDockerArgs(data_dir), filled once every source is merged
          environment: {},
        },
      },
      mlx: { command: 'mlx_lm.server', args: [] },
    },
    data_dir: dataDir,
    instances: {
      port_range: [8000, 9000],
      auto_create_dirs: true,
      max_instances: -1,
      max_running_instances: -1,
      group_limits: {},
      enable_lru_eviction: true,
      memory_check: true,
      default_idle_timeout: 30,
      default_auto_restart: true,
      default_max_restarts: 3,
      default_restart_delay: 5,
      default_on_demand_start: true,
      on_demand_start_timeout: 120,
      failed_start_backoff: 10,
      timeout_check_interval: 5,
      logs_dir: '',
      instances_dir: '',
      log_rotation_enabled: true,
      log_rotation_max_size: 100,
      log_rotation_compress: false,
      log_rotation_max_backups: 5,
    },
    database: {
      path: '',
      max_open_connections: 25,
      max_idle_connections: 5,
      connection_max_lifetime: '5m',
    },
    auth: { require_inference_auth: true, require_management_auth: true, management_keys: [] },
    metrics: { public: false, activity_size: 1_000 },
    local_node: 'main',
    nodes: { main: { address: '' } },
    downloads: {
      max_concurrent_jobs: 2,
      max_connections: 16,
      connections_per_file: 8,
      segment_size: 16,
      max_bandwidth: 0,
    },
    runtimes: { llama_cpp: { releases_url: LLAMA_CPP_RELEASES_URL } },
    models: { folders: [] },
  };
}
