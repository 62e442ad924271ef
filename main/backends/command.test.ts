import type { InstanceOptions } from '../../shared/api/instances';
import { backendOf } from '../../shared/backends';
import { buildArgv } from '../../shared/backends/argv';
import { ARGV_CASES } from '../../shared/backends/argv-cases';
import { AppError } from '../../shared/errors';
import { loadConfig } from '../config/load-config';
import { sanitizedConfig } from '../config/sanitize';
import type { AppConfig } from '../config/schema';
import { buildCommand, llamaHelperCommand, presetPath, splitCommandOverride } from './command';
import { backendModel, healthPath } from './index';

function config(overrides: Record<string, unknown> = {}): AppConfig {
  return loadConfig({
    env: {},
    files: false,
    platform: { platform: 'linux', home: '/home/u', env: {} },
    overrides: { data_dir: '/data', ...overrides },
  });
}

function opts(
  o: Partial<InstanceOptions> & Pick<InstanceOptions, 'backend_type'>,
): InstanceOptions {
  return {
    backend_options: {},
    auto_restart: false,
    max_restarts: 0,
    restart_delay: 0,
    on_demand_start: false,
    idle_timeout: 0,
    ...o,
  };
}

const BASE_ENV = { PATH: '/usr/bin', SHARED: 'process', HOME: '/home/u' };

describe('buildCommand on the shared argv cases (the dashboard preview runs the same table)', () => {
  it.each(ARGV_CASES)('$title', (c) => {
    const base = config();
    const key = backendOf(c.options.backend_type).configKey;
    const cfg: AppConfig = c.backend
      ? { ...base, backends: { ...base.backends, [key]: c.backend } }
      : base;
    const input = { name: c.name, options: opts(c.options) };
    const cmd = buildCommand(input, cfg, BASE_ENV);
    expect([cmd.command, ...cmd.args]).toEqual(c.argv);
    expect(cmd.env).toEqual({ ...BASE_ENV, ...c.env });
    // what the dashboard computes from GET /api/v1/config (environment values redacted)
    const shown = sanitizedConfig(cfg) as { backends: Record<string, any> };
    const preview = buildArgv(input, shown.backends[key], {
      os: 'posix',
      instancesDir: cfg.instances.instances_dir,
    });
    expect([preview.command, ...preview.args]).toEqual(c.argv);
  });
});

describe('buildCommand', () => {
  it('runs the configured llama command with config args, flags and extra_args', () => {
    const cfg = config({
      backends: { 'llama-cpp': { command: '/opt/llama-server', args: ['--log-disable'] } },
    });
    const cmd = buildCommand(
      {
        name: 'a',
        options: opts({
          backend_type: 'llama_cpp',
          backend_options: { model: '/m.gguf', port: 8001, extra_args: { foo: '' } },
        }),
      },
      cfg,
      BASE_ENV,
    );
    expect(cmd).toEqual({
      command: '/opt/llama-server',
      args: ['--log-disable', '--model', '/m.gguf', '--port', '8001', '--foo', '--alias', 'a'],
      env: BASE_ENV,
      docker: false,
    });
  });

  it('merges the environment: process < backend < instance', () => {
    const cfg = config({
      backends: { 'llama-cpp': { environment: { SHARED: 'backend', B: '1' } } },
    });
    const cmd = buildCommand(
      {
        name: 'a',
        options: opts({ backend_type: 'llama_cpp', environment: { SHARED: 'instance', I: '2' } }),
      },
      cfg,
      BASE_ENV,
    );
    expect(cmd.env).toEqual({ ...BASE_ENV, SHARED: 'instance', B: '1', I: '2' });
  });

  it.each([
    ['a model file', { model: '/m.gguf' }, ['--alias', 'inst']],
    ['a Hugging Face repo', { hf_repo: 'org/m' }, ['--alias', 'inst']],
    ['its own alias', { model: '/m.gguf', alias: 'mine' }, []],
    ['an alias in extra_args', { model: '/m.gguf', extra_args: { a: 'mine' } }, []],
    ['router mode', { models_dir: '/models' }, []],
    ['no model', {}, []],
  ])(
    'names a llama.cpp instance with %s by --alias only when it serves one unnamed model',
    (_what, bo, alias) => {
      const cmd = buildCommand(
        { name: 'inst', options: opts({ backend_type: 'llama_cpp', backend_options: bo }) },
        config(),
        BASE_ENV,
      );
      const i = cmd.args.indexOf('--alias');
      expect(i === -1 ? [] : cmd.args.slice(i, i + 2)).toEqual(
        'alias' in bo ? ['--alias', 'mine'] : alias,
      );
    },
  );

  it('uses command_override as the executable, keeping the config args', () => {
    const cmd = buildCommand(
      {
        name: 'a',
        options: opts({
          backend_type: 'vllm',
          command_override: '/venv/bin/vllm',
          backend_options: { model: 'org/m' },
        }),
      },
      config(),
      BASE_ENV,
    );
    expect(cmd.command).toBe('/venv/bin/vllm');
    expect(cmd.args).toEqual(['serve', 'org/m']);
  });

  it('splits a command_override with arguments like a shell would, without running one', () => {
    const cmd = buildCommand(
      {
        name: 'a',
        options: opts({
          backend_type: 'llama_cpp',
          command_override: `node "/tmp/my dir/fake.mjs" --x`,
          backend_options: { port: 9 },
        }),
      },
      config(),
      BASE_ENV,
    );
    expect(cmd.command).toBe('node');
    expect(cmd.args).toEqual(['/tmp/my dir/fake.mjs', '--x', '--port', '9']);
  });

  it('refuses shell operators in command_override', () => {
    expect(() => splitCommandOverride('llama-server; rm -rf /')).toThrow(AppError);
    expect(() => splitCommandOverride('llama-server; rm -rf /')).toThrow(/shell operator ';'/);
  });

  it('puts the vLLM model positionally after serve in native mode', () => {
    const cmd = buildCommand(
      {
        name: 'v',
        options: opts({
          backend_type: 'vllm',
          backend_options: { model: 'org/m', port: 8002, tensor_parallel_size: 2 },
        }),
      },
      config(),
      BASE_ENV,
    );
    expect(cmd).toMatchObject({
      command: 'vllm',
      args: ['serve', 'org/m', '--port', '8002', '--tensor-parallel-size', '2'],
    });
  });

  it('runs mlx_lm.server natively even when docker_enabled is set', () => {
    const cmd = buildCommand(
      {
        name: 'x',
        options: opts({
          backend_type: 'mlx_lm',
          docker_enabled: true,
          backend_options: { model: 'mlx/m', temp: 0 },
        }),
      },
      config(),
      BASE_ENV,
    );
    expect(cmd).toMatchObject({
      command: 'mlx_lm.server',
      args: ['--model', 'mlx/m', '--temp', '0'],
      docker: false,
    });
  });

  it('runs docker with the docker args, -e for every passed variable, the image and the flags', () => {
    const cfg = config({
      backends: {
        'llama-cpp': {
          command: '/ignored',
          args: ['--ignored'],
          environment: { B: 'backend' },
          docker: {
            enabled: true,
            image: 'img:1',
            args: ['run', '--rm'],
            environment: { D: 'docker', B: 'docker-wins' },
          },
        },
      },
    });
    const cmd = buildCommand(
      {
        name: 'a',
        options: opts({
          backend_type: 'llama_cpp',
          command_override: '/also-ignored',
          environment: { I: 'x; touch pwned' },
          backend_options: { model: '/m.gguf' },
        }),
      },
      cfg,
      BASE_ENV,
    );
    expect(cmd.command).toBe('docker');
    expect(cmd.docker).toBe(true);
    expect(cmd.args).toEqual([
      'run',
      '--name',
      'llamactl-a',
      '--rm',
      '-e',
      'B',
      '-e',
      'D',
      '-e',
      'I',
      'img:1',
      '--model',
      '/m.gguf',
      '--alias',
      'a',
    ]);
    // values travel in the docker CLI's environment, not in argv
    expect(cmd.env).toMatchObject({ B: 'docker-wins', D: 'docker', I: 'x; touch pwned' });
    expect(cmd.container).toBe('llamactl-a');
  });

  it('keeps a container name given in the configured docker args', () => {
    const cfg = config({
      backends: {
        'llama-cpp': {
          docker: { enabled: true, image: 'img:1', args: ['run', '--name=mine', '--rm'] },
        },
      },
    });
    const cmd = buildCommand(
      { name: 'a', options: opts({ backend_type: 'llama_cpp' }) },
      cfg,
      BASE_ENV,
    );
    expect(cmd.args.slice(0, 3)).toEqual(['run', '--name=mine', '--rm']);
    expect(cmd.container).toBe('mine');
  });

  it('lets the instance turn docker off when the config turns it on, and on when it is off', () => {
    const on = config({ backends: { vllm: { docker: { enabled: true } } } });
    const off = config();
    const o = { backend_type: 'vllm' as const, backend_options: { model: 'org/m' } };
    expect(
      buildCommand({ name: 'a', options: opts({ ...o, docker_enabled: false }) }, on, BASE_ENV)
        .docker,
    ).toBe(false);
    const docker = buildCommand(
      { name: 'a', options: opts({ ...o, docker_enabled: true }) },
      off,
      BASE_ENV,
    );
    expect(docker.docker).toBe(true);
    // docker mode renders --model (the image's entrypoint is the API server)
    expect(docker.args.slice(-3)).toEqual(['vllm/vllm-openai:latest', '--model', 'org/m']);
  });

  it('appends --models-preset with the instance preset path when preset_ini is set', () => {
    const cfg = config();
    const cmd = buildCommand(
      { name: 'router', options: opts({ backend_type: 'llama_cpp', preset_ini: '[m]\nmodel=/x' }) },
      cfg,
      BASE_ENV,
    );
    expect(presetPath('router', cfg)).toBe('/data/instances/router/preset.ini');
    expect(cmd.args).toEqual(['--models-preset', '/data/instances/router/preset.ini']);
  });

  it('keeps an explicit models_preset instead of the preset_ini path', () => {
    const cmd = buildCommand(
      {
        name: 'r',
        options: opts({
          backend_type: 'llama_cpp',
          preset_ini: '[m]',
          backend_options: { models_preset: '/mine.ini' },
        }),
      },
      config(),
      BASE_ENV,
    );
    expect(cmd.args).toEqual(['--models-preset', '/mine.ini']);
  });

  it('mounts the preset file into the container in docker mode', () => {
    const cfg = config({
      backends: { 'llama-cpp': { docker: { enabled: true, image: 'img', args: ['run'] } } },
    });
    const cmd = buildCommand(
      { name: 'r', options: opts({ backend_type: 'llama_cpp', preset_ini: '[m]' }) },
      cfg,
      BASE_ENV,
    );
    const p = '/data/instances/r/preset.ini';
    expect(cmd.args).toEqual([
      'run',
      '--name',
      'llamactl-r',
      '-v',
      `${p}:${p}:ro`,
      'img',
      '--models-preset',
      p,
    ]);
  });

  it('passes a value like `x; touch pwned` as one literal argv entry', () => {
    const cmd = buildCommand(
      {
        name: 'a',
        options: opts({
          backend_type: 'llama_cpp',
          backend_options: { alias: 'x; touch pwned', model: '$(id)' },
        }),
      },
      config(),
      BASE_ENV,
    );
    expect(cmd.args).toEqual(['--model', '$(id)', '--alias', 'x; touch pwned']);
  });
});

describe('llamaHelperCommand', () => {
  it('runs the configured command and args with the helper flag', () => {
    const cfg = config({ backends: { 'llama-cpp': { command: '/opt/ls', args: ['-x'] } } });
    expect(llamaHelperCommand('devices', cfg, {})).toMatchObject({
      command: '/opt/ls',
      args: ['-x', '--list-devices'],
    });
    expect(llamaHelperCommand('help', cfg, {}).args).toEqual(['-x', '--help']);
    expect(llamaHelperCommand('version', cfg, {}).args).toEqual(['-x', '--version']);
  });

  it('goes through docker when docker mode is on', () => {
    const cfg = config({
      backends: { 'llama-cpp': { docker: { enabled: true, image: 'img', args: ['run', '--rm'] } } },
    });
    expect(llamaHelperCommand('version', cfg, {})).toMatchObject({
      command: 'docker',
      args: ['run', '--rm', 'img', '--version'],
    });
  });
});

describe('backendModel and healthPath', () => {
  it('uses model, else hf_repo, for llama.cpp', () => {
    expect(backendModel({ backend_type: 'llama_cpp', backend_options: { hf_repo: 'org/r' } })).toBe(
      'org/r',
    );
    expect(
      backendModel({
        backend_type: 'llama_cpp',
        backend_options: { model: '/m', hf_repo: 'org/r' },
      }),
    ).toBe('/m');
    expect(
      backendModel({ backend_type: 'vllm', backend_options: { hf_repo: 'org/r' } }),
    ).toBeUndefined();
    expect(backendModel({ backend_type: 'mlx_lm', backend_options: { model: 'mlx/m' } })).toBe(
      'mlx/m',
    );
  });

  it('serves /health, under api_prefix for llama-server', () => {
    expect(healthPath('vllm')).toBe('/health');
    expect(healthPath('llama_cpp', { api_prefix: '/llm/' })).toBe('/llm/health');
    expect(healthPath('mlx_lm', { api_prefix: '/x' })).toBe('/health');
  });
});
