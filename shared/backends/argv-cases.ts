import type { InstanceOptions } from '../api/instances';
import type { BackendCommandConfig, Platform } from './argv';

/**
 * The command-line cases both the server's test (main/backends/command.test.ts: what it spawns)
 * and the dashboard's preview test (renderer/features/instances/command-preview.test.ts: what it
 * shows) run, so the two answer the same for every case. Each case: an instance, the backend's
 * config section, and the exact argv and environment expected.
 */
export interface ArgvCase {
  title: string;
  name: string;
  options: Partial<InstanceOptions> & Pick<InstanceOptions, 'backend_type'>;
  /** the backend's config section; the built-in default (executable, subcommand) when absent */
  backend?: BackendCommandConfig;
  argv: string[];
  env?: Record<string, string>;
  /** the preview's text: argv quoted for a POSIX shell by shell-quote (which escapes `:` and `=`) */
  shell: string;
}

export const ARGV_PLATFORM: Platform = { os: 'posix', instancesDir: '/data/instances' };

const LLAMA: BackendCommandConfig = { command: 'llama-server', args: [] };
const DOCKER_LLAMA: BackendCommandConfig = {
  command: '/ignored',
  args: ['--ignored'],
  environment: { B: 'backend' },
  docker: {
    enabled: true,
    image: 'ghcr.io/ggml-org/llama.cpp:server',
    args: ['run', '--rm', '--network', 'host'],
    environment: { D: 'docker', B: 'docker-wins' },
  },
};

export const ARGV_CASES: readonly ArgvCase[] = [
  {
    title:
      'typed flags in table order, then extra_args as written (short flags stay short), then --alias <name> for a single model',
    name: 'a',
    options: {
      backend_type: 'llama_cpp',
      backend_options: {
        model: '/m.gguf',
        ctx_size: 8192,
        port: 8001,
        extra_args: { '-fa': 'on', '-x': '3', 'reasoning-budget': '0', jinja: '' },
      },
    },
    backend: { command: '/opt/llama-server', args: ['--log-disable'] },
    argv: [
      '/opt/llama-server',
      '--log-disable',
      '--ctx-size',
      '8192',
      '--model',
      '/m.gguf',
      '--port',
      '8001',
      '-fa',
      'on',
      '-x',
      '3',
      '--reasoning-budget',
      '0',
      '--jinja',
      '--alias',
      'a',
    ],
    shell:
      '/opt/llama-server --log-disable --ctx-size 8192 --model /m.gguf --port 8001 -fa on -x 3 --reasoning-budget 0 --jinja --alias a',
  },
  {
    title: 'two keys of one flag render it once (fim_qwen_1b, fim_qwen_1_5b_default)',
    name: 'fim',
    options: {
      backend_type: 'llama_cpp',
      backend_options: { fim_qwen_1b: true, fim_qwen_1_5b_default: true },
    },
    backend: LLAMA,
    argv: ['llama-server', '--fim-qwen-1.5b-default'],
    shell: 'llama-server --fim-qwen-1.5b-default',
  },
  {
    title: 'numbers without exponent, pairs as two arguments, a value with spaces as one',
    name: 'n',
    options: {
      backend_type: 'llama_cpp',
      backend_options: {
        min_p: 0.00001,
        control_vector_layer_range: '1 5',
        alias: 'my model; $(id)',
      },
    },
    backend: LLAMA,
    argv: [
      'llama-server',
      '--control-vector-layer-range',
      '1',
      '5',
      '--min-p',
      '0.00001',
      '--alias',
      'my model; $(id)',
    ],
    shell: `llama-server --control-vector-layer-range 1 5 --min-p 0.00001 --alias 'my model; $(id)'`,
  },
  {
    title: 'an unquoted command_override with a space is three words, as a shell splits it',
    name: 'o',
    options: {
      backend_type: 'llama_cpp',
      command_override: 'node /tmp/fake backend.mjs',
      backend_options: { port: 9 },
    },
    backend: LLAMA,
    argv: ['node', '/tmp/fake', 'backend.mjs', '--port', '9'],
    shell: 'node /tmp/fake backend.mjs --port 9',
  },
  {
    title: 'a quoted path in command_override is one word',
    name: 'q',
    options: {
      backend_type: 'llama_cpp',
      command_override: 'node "/tmp/fake backend.mjs"',
      backend_options: { port: 9 },
    },
    backend: LLAMA,
    argv: ['node', '/tmp/fake backend.mjs', '--port', '9'],
    shell: `node '/tmp/fake backend.mjs' --port 9`,
  },
  {
    title: 'docker: --name, -e per variable (names only), image, flags; the override is ignored',
    name: 'dock',
    options: {
      backend_type: 'llama_cpp',
      command_override: '/also-ignored',
      environment: { I: 'x; touch pwned' },
      backend_options: { model: '/m.gguf', port: 8002 },
    },
    backend: DOCKER_LLAMA,
    argv: [
      'docker',
      'run',
      '--name',
      'llamactl-dock',
      '--rm',
      '--network',
      'host',
      '-e',
      'B',
      '-e',
      'D',
      '-e',
      'I',
      'ghcr.io/ggml-org/llama.cpp:server',
      '--model',
      '/m.gguf',
      '--port',
      '8002',
      '--alias',
      'dock',
    ],
    env: { B: 'docker-wins', D: 'docker', I: 'x; touch pwned' },
    shell:
      'docker run --name llamactl-dock --rm --network host -e B -e D -e I ghcr.io/ggml-org/llama.cpp\\:server --model /m.gguf --port 8002 --alias dock',
  },
  {
    title: 'docker with preset_ini: the preset file mounted read-only and passed last',
    name: 'r',
    options: { backend_type: 'llama_cpp', preset_ini: '[m]\nmodel = /x.gguf' },
    backend: {
      command: 'llama-server',
      args: [],
      docker: { enabled: true, image: 'img', args: ['run'] },
    },
    argv: [
      'docker',
      'run',
      '--name',
      'llamactl-r',
      '-v',
      '/data/instances/r/preset.ini:/data/instances/r/preset.ini:ro',
      'img',
      '--models-preset',
      '/data/instances/r/preset.ini',
    ],
    shell:
      'docker run --name llamactl-r -v /data/instances/r/preset.ini\\:/data/instances/r/preset.ini\\:ro img --models-preset /data/instances/r/preset.ini',
  },
  {
    title: 'the instance turns docker off although the config turns it on',
    name: 'off',
    options: { backend_type: 'llama_cpp', docker_enabled: false, backend_options: { port: 1 } },
    backend: DOCKER_LLAMA,
    argv: ['/ignored', '--ignored', '--port', '1'],
    env: { B: 'backend' },
    shell: '/ignored --ignored --port 1',
  },
  {
    title: 'vLLM native: the model positionally after serve, no --model',
    name: 'v',
    options: {
      backend_type: 'vllm',
      backend_options: { model: 'org/m', port: 8002, tensor_parallel_size: 2 },
    },
    argv: ['vllm', 'serve', 'org/m', '--port', '8002', '--tensor-parallel-size', '2'],
    shell: 'vllm serve org/m --port 8002 --tensor-parallel-size 2',
  },
  {
    title: 'vLLM in docker: --model (the image runs the API server)',
    name: 'vd',
    options: { backend_type: 'vllm', docker_enabled: true, backend_options: { model: 'org/m' } },
    backend: {
      command: 'vllm',
      args: ['serve'],
      docker: { enabled: false, image: 'vllm/vllm-openai:latest', args: ['run', '--rm'] },
    },
    argv: [
      'docker',
      'run',
      '--name',
      'llamactl-vd',
      '--rm',
      'vllm/vllm-openai:latest',
      '--model',
      'org/m',
    ],
    shell: 'docker run --name llamactl-vd --rm vllm/vllm-openai\\:latest --model org/m',
  },
  {
    title: 'vLLM list options: multi values after one flag, repeated flags',
    name: 'vl',
    options: {
      backend_type: 'vllm',
      backend_options: {
        lora_modules: ['a=/x', 'b=/y'],
        allowed_origins: ['http://a', 'http://b'],
      },
    },
    argv: [
      'vllm',
      'serve',
      '--lora-modules',
      'a=/x',
      'b=/y',
      '--allowed-origins',
      'http://a',
      '--allowed-origins',
      'http://b',
    ],
    shell:
      'vllm serve --lora-modules a\\=/x b\\=/y --allowed-origins http\\://a --allowed-origins http\\://b',
  },
  {
    title: 'MLX runs natively even with docker_enabled (no docker support)',
    name: 'x',
    options: {
      backend_type: 'mlx_lm',
      docker_enabled: true,
      backend_options: { model: 'mlx/m', temp: 0 },
    },
    argv: ['mlx_lm.server', '--model', 'mlx/m', '--temp', '0'],
    shell: 'mlx_lm.server --model mlx/m --temp 0',
  },
];
