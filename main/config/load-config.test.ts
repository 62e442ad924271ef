import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfigDetailed } from './load-config';
import { expandEnvVars } from './expand';
import type { PlatformInfo } from './defaults';

let root: string;
let home: string;
let cwd: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'llamactl-config-'));
  home = join(root, 'home');
  cwd = join(root, 'cwd');
  mkdirSync(home, { recursive: true });
  mkdirSync(cwd, { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function platform(env: NodeJS.ProcessEnv, os: NodeJS.Platform = 'linux'): PlatformInfo {
  return { platform: os, home, env };
}

function load(env: NodeJS.ProcessEnv, files: Record<string, string> = {}) {
  for (const [name, text] of Object.entries(files)) {
    const path = name.startsWith('~/') ? join(home, name.slice(2)) : join(cwd, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  }
  return loadConfigDetailed({ env, platform: platform(env), cwd });
}

describe('config precedence: defaults < .env < file < environment', () => {
  const cases: Array<{
    name: string;
    env: NodeJS.ProcessEnv;
    files: Record<string, string>;
    port: number;
  }> = [
    { name: 'defaults alone', env: {}, files: {}, port: 8080 },
    { name: '.env over defaults', env: {}, files: { '.env': 'LLAMACTL_PORT=9001' }, port: 9001 },
    {
      name: 'file over .env',
      env: {},
      files: { '.env': 'LLAMACTL_PORT=9001', 'llamactl.yaml': 'server: {port: 9002}' },
      port: 9002,
    },
    {
      name: 'environment over file',
      env: { LLAMACTL_PORT: '9003' },
      files: { 'llamactl.yaml': 'server: {port: 9002}' },
      port: 9003,
    },
    {
      name: 'environment over .env and file',
      env: { LLAMACTL_PORT: '9003' },
      files: { '.env': 'LLAMACTL_PORT=9001', 'config.yaml': 'server: {port: 9002}' },
      port: 9003,
    },
    {
      name: './llamactl.yaml before ./config.yaml',
      env: {},
      files: { 'llamactl.yaml': 'server: {port: 9004}', 'config.yaml': 'server: {port: 9005}' },
      port: 9004,
    },
    {
      name: './config.yaml before the per-user file',
      env: {},
      files: {
        'config.yaml': 'server: {port: 9005}',
        '~/.config/llamactl/config.yaml': 'server: {port: 9006}',
      },
      port: 9005,
    },
    {
      name: 'the per-user file when nothing is in cwd',
      env: {},
      files: { '~/.config/llamactl/config.yaml': 'server: {port: 9006}' },
      port: 9006,
    },
    {
      name: '.env in the per-user config dir',
      env: {},
      files: { '~/.config/llamactl/.env': 'LLAMACTL_PORT=9007' },
      port: 9007,
    },
  ];
  it.each(cases)('$name gives port $port', ({ env, files, port }) => {
    expect(load(env, files).config.server.port).toBe(port);
  });

  it('uses only the file named by LLAMACTL_CONFIG_PATH and the .env beside it', () => {
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc', 'my.yaml'), 'server:\n  host: ${BIND}\n');
    writeFileSync(join(root, 'etc', '.env'), 'BIND=10.1.2.3\n');
    const r = load(
      { LLAMACTL_CONFIG_PATH: join(root, 'etc', 'my.yaml') },
      { 'llamactl.yaml': 'server: {port: 9999}' },
    );
    expect(r.config.server.host).toBe('10.1.2.3');
    expect(r.config.server.port).toBe(8080);
    expect(r.configFile).toBe(join(root, 'etc', 'my.yaml'));
  });

  it('refuses to start when LLAMACTL_CONFIG_PATH names a file that cannot be read', () => {
    expect(() => load({ LLAMACTL_CONFIG_PATH: join(root, 'missing.yaml') })).toThrow(
      /LLAMACTL_CONFIG_PATH=.*missing\.yaml/,
    );
  });

  it('never lets .env override a variable that is already set', () => {
    const r = load(
      { HF_TOKEN: 'from-env' },
      {
        '.env': 'HF_TOKEN=from-dotenv\nOTHER=x',
        'llamactl.yaml':
          'backends:\n  llama-cpp:\n    environment: {T: "${HF_TOKEN}", O: "${OTHER}"}',
      },
    );
    expect(r.config.backends['llama-cpp'].environment).toEqual({ T: 'from-env', O: 'x' });
    expect(r.dotenv).toEqual({ OTHER: 'x' });
  });

  it('keeps defaults for keys the file leaves out and merges maps key by key', () => {
    const r = load(
      {},
      { 'llamactl.yaml': 'backends:\n  llama-cpp:\n    docker:\n      enabled: true\n' },
    );
    const docker = r.config.backends['llama-cpp'].docker!;
    expect(docker.enabled).toBe(true);
    expect(docker.image).toBe('ghcr.io/ggml-org/llama.cpp:server');
  });

  it('derives logs, instances and database paths from the final data_dir', () => {
    const r = load(
      { LLAMACTL_DATA_DIRECTORY: '/srv/llm' },
      { 'llamactl.yaml': 'data_dir: /ignored' },
    );
    expect(r.config.instances.logs_dir).toBe('/srv/llm/logs');
    expect(r.config.instances.instances_dir).toBe('/srv/llm/instances');
    expect(r.config.database.path).toBe('/srv/llm/llamactl.db');
  });

  it("mounts vLLM's docker cache from the effective data_dir", () => {
    const fromEnv = load({ LLAMACTL_DATA_DIRECTORY: '/srv/llm' }).config;
    expect(fromEnv.backends.vllm.docker!.args).toContain(
      '/srv/llm/huggingface:/root/.cache/huggingface',
    );
    const fromFile = load({}, { 'llamactl.yaml': 'data_dir: /data/x' }).config;
    expect(fromFile.backends.vllm.docker!.args).toContain(
      '/data/x/huggingface:/root/.cache/huggingface',
    );
    const own = load(
      { LLAMACTL_DATA_DIRECTORY: '/srv/llm' },
      { 'llamactl.yaml': 'backends:\n  vllm:\n    docker:\n      args: [run, --rm]\n' },
    ).config;
    expect(own.backends.vllm.docker!.args).toEqual(['run', '--rm']);
  });

  it('binds to 127.0.0.1 by default, unlike llamactl', () => {
    expect(load({}).config.server.host).toBe('127.0.0.1');
  });
});

describe('${VAR} expansion', () => {
  const env = { SET: 'value', EMPTY: '' };
  const cases: Array<[string, string]> = [
    ['${SET}', 'value'],
    ['${EMPTY}', ''],
    ['${UNSET}', '${UNSET}'],
    ['${SET:-fallback}', 'value'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${UNSET:-fallback}', 'fallback'],
    ['${UNSET:-}', ''],
    ['$SET', '$SET'],
    ['a-${SET}-${SET}-b', 'a-value-value-b'],
    ['${1BAD}', '${1BAD}'],
  ];
  it.each(cases)('%s expands to %j', (input, output) => {
    expect(expandEnvVars(input, env)).toBe(output);
  });

  it('expands inside the YAML file before parsing it', () => {
    const r = load(
      { PORT: '9100' },
      { 'llamactl.yaml': 'server:\n  port: ${PORT}\n  host: ${HOST:-0.0.0.0}\n' },
    );
    expect(r.config.server.port).toBe(9100);
    expect(r.config.server.host).toBe('0.0.0.0');
  });

  it('refuses ${VAR} with VAR unset, naming the key and the variable, instead of the literal text', () => {
    expect(() =>
      load({}, { 'llamactl.yaml': 'auth:\n  management_keys: ["${ADMIN_KEY}"]\n' }),
    ).toThrow(/auth\.management_keys\.0 uses \$\{ADMIN_KEY\}, which is not set/);
    expect(() =>
      load(
        {},
        { 'llamactl.yaml': 'backends:\n  llama-cpp:\n    environment: {T: "x-${HF_TOKEN}"}\n' },
      ),
    ).toThrow(/backends\.llama-cpp\.environment\.T uses \$\{HF_TOKEN\}/);
  });

  it('names every unset variable at once and ignores ${VAR} in comments', () => {
    let message = '';
    try {
      load({}, { 'llamactl.yaml': '# port: ${IN_COMMENT}\nserver:\n  host: ${A}\n  port: ${B}\n' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('server.host uses ${A}');
    expect(message).toContain('server.port uses ${B}');
    expect(message).not.toContain('IN_COMMENT');
  });

  it('accepts ${VAR:-default} with VAR unset', () => {
    const r = load({}, { 'llamactl.yaml': 'server:\n  host: ${BIND:-10.0.0.1}\n' });
    expect(r.config.server.host).toBe('10.0.0.1');
  });

  it.each([
    ['an empty string', 'auth:\n  management_keys: [""]\n'],
    ['blanks', 'auth:\n  management_keys: ["  "]\n'],
    ['a fallback to empty', 'auth:\n  management_keys: ["${ADMIN_KEY:-}"]\n'],
  ])('never takes %s as a management key', (_what, yaml) => {
    expect(() => load({}, { 'llamactl.yaml': yaml })).toThrow(/auth\.management_keys\.0/);
  });
});

describe('unknown configuration keys', () => {
  it('warns for each unknown key, naming the file and the key, and starts with the rest', () => {
    const r = load(
      {},
      {
        'llamactl.yaml':
          'instances:\n  max_runing_instances: 1\n  port_range: [9000, 9100]\nserverr: {}\n' +
          'nodes:\n  gpu: {address: "http://gpu:8080", adress: x}\n' +
          'backends:\n  llama-cpp:\n    environment: {ANY_NAME: ok}\n',
      },
    );
    const file = join(cwd, 'llamactl.yaml');
    expect(r.warnings).toEqual([
      `${file}: unknown key instances.max_runing_instances (ignored)`,
      `${file}: unknown key serverr (ignored)`,
      `${file}: unknown key nodes.gpu.adress (ignored)`,
    ]);
    expect(r.config.instances.port_range).toEqual([9000, 9100]);
    expect(r.config.instances.max_running_instances).toBe(-1);
  });

  it('has no warnings for a file of known keys', () => {
    const r = load(
      {},
      { 'llamactl.yaml': 'server:\n  port: 9000\ninstances: {max_instances: 3}\n' },
    );
    expect(r.warnings).toEqual([]);
  });
});

describe('LLAMACTL_* environment variables', () => {
  const cases: Array<{ env: Record<string, string>; pick: (c: any) => unknown; want: unknown }> = [
    { env: { LLAMACTL_HOST: '0.0.0.0' }, pick: (c) => c.server.host, want: '0.0.0.0' },
    {
      env: { LLAMACTL_ALLOWED_ORIGINS: 'http://a, http://b' },
      pick: (c) => c.server.allowed_origins,
      want: ['http://a', 'http://b'],
    },
    {
      env: { LLAMACTL_ALLOWED_HOSTS: 'box.lan' },
      pick: (c) => c.server.allowed_hosts,
      want: ['box.lan'],
    },
    {
      env: { LLAMACTL_TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8' },
      pick: (c) => c.server.trusted_proxies,
      want: ['127.0.0.1', '10.0.0.0/8'],
    },
    { env: { LLAMACTL_ENABLE_SWAGGER: 'T' }, pick: (c) => c.server.enable_swagger, want: true },
    // 0 turns request activity recording off
    { env: { LLAMACTL_ACTIVITY_SIZE: '0' }, pick: (c) => c.metrics.activity_size, want: 0 },
    {
      env: { LLAMACTL_LLAMACPP_COMMAND: '/opt/llama-server' },
      pick: (c) => c.backends['llama-cpp'].command,
      want: '/opt/llama-server',
    },
    {
      env: { LLAMACTL_LLAMACPP_ARGS: '--threads 4  --mlock' },
      pick: (c) => c.backends['llama-cpp'].args,
      want: ['--threads', '4', '--mlock'],
    },
    {
      env: { LLAMACTL_LLAMACPP_ENV: 'A=1,B=x=y' },
      pick: (c) => c.backends['llama-cpp'].environment,
      want: { A: '1', B: 'x=y' },
    },
    {
      env: { LLAMACTL_LLAMACPP_DOCKER_ENABLED: 'true' },
      pick: (c) => c.backends['llama-cpp'].docker.enabled,
      want: true,
    },
    {
      env: { LLAMACTL_LLAMACPP_DOCKER_IMAGE: 'img' },
      pick: (c) => c.backends['llama-cpp'].docker.image,
      want: 'img',
    },
    {
      env: { LLAMACTL_LLAMACPP_DOCKER_ARGS: 'run --rm' },
      pick: (c) => c.backends['llama-cpp'].docker.args,
      want: ['run', '--rm'],
    },
    {
      env: { LLAMACTL_LLAMACPP_DOCKER_ENV: 'K=V' },
      pick: (c) => c.backends['llama-cpp'].docker.environment,
      want: { K: 'V' },
    },
    {
      env: { LLAMACTL_LLAMACPP_RESPONSE_HEADERS: 'X-A=1;X-B=2' },
      pick: (c) => c.backends['llama-cpp'].response_headers,
      want: { 'X-A': '1', 'X-B': '2' },
    },
    {
      env: { LLAMACTL_LLAMACPP_CACHE_DIR: '/c1' },
      pick: (c) => c.backends['llama-cpp'].cache_dir,
      want: '/c1',
    },
    {
      env: { LLAMACTL_LLAMACPP_CACHE_DIR: '/c1', LLAMA_CACHE: '/c2' },
      pick: (c) => c.backends['llama-cpp'].cache_dir,
      want: '/c2',
    },
    {
      env: { LLAMACTL_LLAMACPP_DOWNLOAD_TIMEOUT: '60' },
      pick: (c) => c.backends['llama-cpp'].download_timeout,
      want: 60_000,
    },
    { env: { LLAMACTL_VLLM_COMMAND: 'v' }, pick: (c) => c.backends.vllm.command, want: 'v' },
    {
      env: { LLAMACTL_VLLM_ARGS: 'serve --x' },
      pick: (c) => c.backends.vllm.args,
      want: ['serve', '--x'],
    },
    {
      env: { LLAMACTL_VLLM_ENV: 'A=1' },
      pick: (c) => c.backends.vllm.environment,
      want: { A: '1' },
    },
    {
      env: { LLAMACTL_VLLM_DOCKER_ENABLED: '1' },
      pick: (c) => c.backends.vllm.docker.enabled,
      want: true,
    },
    {
      env: { LLAMACTL_VLLM_DOCKER_IMAGE: 'i' },
      pick: (c) => c.backends.vllm.docker.image,
      want: 'i',
    },
    {
      env: { LLAMACTL_VLLM_DOCKER_ARGS: 'run' },
      pick: (c) => c.backends.vllm.docker.args,
      want: ['run'],
    },
    {
      env: { LLAMACTL_VLLM_DOCKER_ENV: 'A=1' },
      pick: (c) => c.backends.vllm.docker.environment,
      want: { A: '1' },
    },
    {
      env: { LLAMACTL_VLLM_RESPONSE_HEADERS: 'X=1' },
      pick: (c) => c.backends.vllm.response_headers,
      want: { X: '1' },
    },
    { env: { LLAMACTL_MLX_COMMAND: 'm' }, pick: (c) => c.backends.mlx.command, want: 'm' },
    { env: { LLAMACTL_MLX_ARGS: '--a' }, pick: (c) => c.backends.mlx.args, want: ['--a'] },
    { env: { LLAMACTL_MLX_ENV: 'A=1' }, pick: (c) => c.backends.mlx.environment, want: { A: '1' } },
    {
      env: { LLAMACTL_MLX_RESPONSE_HEADERS: 'X=1' },
      pick: (c) => c.backends.mlx.response_headers,
      want: { X: '1' },
    },
    { env: { LLAMACTL_DATA_DIRECTORY: '/d' }, pick: (c) => c.data_dir, want: '/d' },
    {
      env: { LLAMACTL_INSTANCE_PORT_RANGE: '7000-7100' },
      pick: (c) => c.instances.port_range,
      want: [7000, 7100],
    },
    {
      env: { LLAMACTL_INSTANCE_PORT_RANGE: '7000,7100' },
      pick: (c) => c.instances.port_range,
      want: [7000, 7100],
    },
    {
      env: { LLAMACTL_AUTO_CREATE_DATA_DIR: 'false' },
      pick: (c) => c.instances.auto_create_dirs,
      want: false,
    },
    { env: { LLAMACTL_MAX_INSTANCES: '4' }, pick: (c) => c.instances.max_instances, want: 4 },
    {
      env: { LLAMACTL_MAX_RUNNING_INSTANCES: '2' },
      pick: (c) => c.instances.max_running_instances,
      want: 2,
    },
    {
      env: { LLAMACTL_ENABLE_LRU_EVICTION: 'F' },
      pick: (c) => c.instances.enable_lru_eviction,
      want: false,
    },
    {
      env: { LLAMACTL_MEMORY_CHECK: 'false' },
      pick: (c) => c.instances.memory_check,
      want: false,
    },
    {
      env: { LLAMACTL_DEFAULT_IDLE_TIMEOUT: '0' },
      pick: (c) => c.instances.default_idle_timeout,
      want: 0,
    },
    {
      env: { LLAMACTL_DEFAULT_AUTO_RESTART: 'False' },
      pick: (c) => c.instances.default_auto_restart,
      want: false,
    },
    {
      env: { LLAMACTL_DEFAULT_MAX_RESTARTS: '9' },
      pick: (c) => c.instances.default_max_restarts,
      want: 9,
    },
    {
      env: { LLAMACTL_DEFAULT_RESTART_DELAY: '1' },
      pick: (c) => c.instances.default_restart_delay,
      want: 1,
    },
    {
      env: { LLAMACTL_DEFAULT_ON_DEMAND_START: '0' },
      pick: (c) => c.instances.default_on_demand_start,
      want: false,
    },
    {
      env: { LLAMACTL_ON_DEMAND_START_TIMEOUT: '30' },
      pick: (c) => c.instances.on_demand_start_timeout,
      want: 30,
    },
    {
      env: { LLAMACTL_TIMEOUT_CHECK_INTERVAL: '2' },
      pick: (c) => c.instances.timeout_check_interval,
      want: 2,
    },
    { env: { LLAMACTL_LOGS_DIR: '/l' }, pick: (c) => c.instances.logs_dir, want: '/l' },
    { env: { LLAMACTL_INSTANCES_DIR: '/i' }, pick: (c) => c.instances.instances_dir, want: '/i' },
    {
      env: { LLAMACTL_LOG_ROTATION_ENABLED: 'false' },
      pick: (c) => c.instances.log_rotation_enabled,
      want: false,
    },
    {
      env: { LLAMACTL_LOG_ROTATION_MAX_SIZE: '5' },
      pick: (c) => c.instances.log_rotation_max_size,
      want: 5,
    },
    {
      env: { LLAMACTL_LOG_ROTATION_COMPRESS: 'true' },
      pick: (c) => c.instances.log_rotation_compress,
      want: true,
    },
    {
      env: { LLAMACTL_LOG_ROTATION_MAX_BACKUPS: '2' },
      pick: (c) => c.instances.log_rotation_max_backups,
      want: 2,
    },
    { env: { LLAMACTL_DATABASE_PATH: '/x.db' }, pick: (c) => c.database.path, want: '/x.db' },
    {
      env: { LLAMACTL_DATABASE_MAX_OPEN_CONNECTIONS: '3' },
      pick: (c) => c.database.max_open_connections,
      want: 3,
    },
    {
      env: { LLAMACTL_DATABASE_MAX_IDLE_CONNECTIONS: '1' },
      pick: (c) => c.database.max_idle_connections,
      want: 1,
    },
    {
      env: { LLAMACTL_DATABASE_CONN_MAX_LIFETIME: '1h' },
      pick: (c) => c.database.connection_max_lifetime,
      want: 3_600_000,
    },
    {
      env: { LLAMACTL_REQUIRE_INFERENCE_AUTH: 'false' },
      pick: (c) => c.auth.require_inference_auth,
      want: false,
    },
    {
      env: { LLAMACTL_REQUIRE_MANAGEMENT_AUTH: 'false' },
      pick: (c) => c.auth.require_management_auth,
      want: false,
    },
    {
      env: { LLAMACTL_MANAGEMENT_KEYS: 'k1, k2,' },
      pick: (c) => c.auth.management_keys,
      want: ['k1', 'k2'],
    },
    { env: { LLAMACTL_LOCAL_NODE: 'box' }, pick: (c) => c.local_node, want: 'box' },
  ];
  it.each(cases)('$env sets the field', ({ env, pick, want }) => {
    expect(pick(load(env).config)).toEqual(want);
  });

  it('merges map variables into the map from the file', () => {
    const r = load(
      { LLAMACTL_LLAMACPP_ENV: 'B=2' },
      { 'llamactl.yaml': 'backends:\n  llama-cpp:\n    environment: {A: "1"}\n' },
    );
    expect(r.config.backends['llama-cpp'].environment).toEqual({ A: '1', B: '2' });
  });
});

describe('a bad value stops the start with a message naming key, value and rule', () => {
  const cases: Array<{
    name: string;
    env?: Record<string, string>;
    file?: string;
    message: RegExp;
  }> = [
    {
      name: 'non-numeric port variable',
      env: { LLAMACTL_PORT: 'eighty' },
      message: /LLAMACTL_PORT = "eighty": must be an integer \(sets server\.port\)/,
    },
    {
      name: 'bad boolean variable',
      env: { LLAMACTL_ENABLE_SWAGGER: 'yes' },
      message: /LLAMACTL_ENABLE_SWAGGER = "yes": must be a boolean/,
    },
    {
      name: 'bad port range variable',
      env: { LLAMACTL_INSTANCE_PORT_RANGE: '8000' },
      message: /LLAMACTL_INSTANCE_PORT_RANGE = "8000": must be "LOW-HIGH"/,
    },
    {
      name: 'bad map variable',
      env: { LLAMACTL_LLAMACPP_ENV: 'novalue' },
      message: /LLAMACTL_LLAMACPP_ENV = "novalue": must be KEY=VALUE/,
    },
    {
      name: 'port out of range in the file',
      file: 'server: {port: 70000}',
      message: /server\.port = 70000: .*65535/,
    },
    {
      name: 'reversed port range',
      file: 'instances: {port_range: [9000, 8000]}',
      message: /instances\.port_range = \[9000,8000\]: port_range must be \[low, high\]/,
    },
    {
      name: 'string where a boolean belongs',
      file: 'auth: {require_management_auth: "no"}',
      message: /auth\.require_management_auth = "no": .*boolean/,
    },
    {
      name: 'bad duration',
      file: 'database: {connection_max_lifetime: "5 minutes"}',
      message: /database\.connection_max_lifetime = "5 minutes": must be a duration/,
    },
    {
      name: 'a restart delay past what a timer can hold',
      file: 'instances: {default_restart_delay: 99999999999}',
      message: /instances\.default_restart_delay = 99999999999: .*86400/,
    },
    {
      name: 'a host name among the trusted proxies',
      file: 'server: {trusted_proxies: [proxy.lan]}',
      message: /server\.trusted_proxies\.0 = "proxy\.lan": must be an IP address or a CIDR range/,
    },
    {
      name: 'YAML syntax error',
      file: 'server: [port: 1',
      message: /cannot parse .*llamactl\.yaml/,
    },
    { name: 'a list at the top level', file: '- a\n- b', message: /top level must be a mapping/ },
  ];
  it.each(cases)('$name', ({ env, file, message }) => {
    const run = () => load(env ?? {}, file ? { 'llamactl.yaml': file } : {});
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(message);
  });
});

describe('per-OS file discovery', () => {
  it('finds the macOS per-user file under Library/Application Support', () => {
    const dir = join(home, 'Library', 'Application Support', 'llamactl');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.yaml'), 'server: {port: 9200}');
    const env = {};
    expect(
      loadConfigDetailed({ env, platform: platform(env, 'darwin'), cwd }).config.server.port,
    ).toBe(9200);
  });

  it('finds the Windows per-user file under %APPDATA%', () => {
    const appdata = join(root, 'appdata');
    mkdirSync(join(appdata, 'llamactl'), { recursive: true });
    writeFileSync(join(appdata, 'llamactl', 'config.yaml'), 'server: {port: 9201}');
    const env = { APPDATA: appdata, PROGRAMDATA: join(root, 'pd') };
    const r = loadConfigDetailed({ env, platform: platform(env, 'win32'), cwd });
    expect(r.config.server.port).toBe(9201);
    expect(r.config.data_dir).toBe(join(root, 'pd', 'llamactl'));
  });
});

describe('without a working folder (the desktop app: launched from / or $HOME)', () => {
  it('ignores llamactl.yaml, config.yaml and .env there and reads the per-user files', () => {
    writeFileSync(join(cwd, 'config.yaml'), 'server: {port: 9301}');
    writeFileSync(join(cwd, '.env'), 'LLAMACTL_HOST=0.0.0.0\nSECRET=from-cwd');
    const dir = join(home, '.config', 'llamactl');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.yaml'), 'server: {port: 9302}');
    writeFileSync(join(dir, '.env'), 'FROM_USER=yes');
    const env: NodeJS.ProcessEnv = {};
    const r = loadConfigDetailed({ env, platform: platform(env), cwd: null });
    expect(r.config.server.port).toBe(9302);
    expect(r.config.server.host).toBe('127.0.0.1');
    expect(r.configFile).toBe(join(dir, 'config.yaml'));
    expect(r.dotenvFile).toBe(join(dir, '.env'));
    expect(r.dotenv).toEqual({ FROM_USER: 'yes' });
  });

  it('still reads LLAMACTL_CONFIG_PATH and the .env beside it', () => {
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'mine.yaml'), 'server: {port: 9303}');
    writeFileSync(join(elsewhere, '.env'), 'BESIDE=1');
    writeFileSync(join(cwd, 'llamactl.yaml'), 'server: {port: 9304}');
    const env: NodeJS.ProcessEnv = { LLAMACTL_CONFIG_PATH: join(elsewhere, 'mine.yaml') };
    const r = loadConfigDetailed({ env, platform: platform(env), cwd: null });
    expect(r.config.server.port).toBe(9303);
    expect(r.dotenv).toEqual({ BESIDE: '1' });
  });
});

describe('.env and the process environment', () => {
  it('adds .env variables to process.env only where they are not already set', () => {
    const fresh = `LLAMACTL_TEST_DOTENV_${process.pid}`;
    const existing = `LLAMACTL_TEST_EXISTING_${process.pid}`;
    writeFileSync(join(cwd, '.env'), `${fresh}=from-dotenv\n${existing}=from-dotenv\n`);
    process.env[existing] = 'from-env';
    try {
      const r = loadConfigDetailed({ platform: platform(process.env), cwd });
      expect(r.dotenvFile).toBe(join(cwd, '.env'));
      expect(process.env[fresh]).toBe('from-dotenv');
      expect(process.env[existing]).toBe('from-env');
    } finally {
      delete process.env[fresh];
      delete process.env[existing];
    }
  });
});
