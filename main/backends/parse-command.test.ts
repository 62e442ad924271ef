import { AppError } from '../../shared/errors';
import { buildCommand } from './command';
import { parseCommand } from './parse-command';
import { loadConfig } from '../config/load-config';

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

const llama = (cmd: string) => parseCommand('llama_cpp', cmd).backend_options;
const vllm = (cmd: string) => parseCommand('vllm', cmd).backend_options;
const mlx = (cmd: string) => parseCommand('mlx_lm', cmd).backend_options;

describe('parseCommand for llama.cpp', () => {
  it.each([
    [
      'long flags with values',
      'llama-server --model /m.gguf --ctx-size 4096',
      { model: '/m.gguf', ctx_size: 4096 },
    ],
    [
      'short flags and aliases',
      'llama-server -m /m.gguf -c 2048 -ngl 99 -t 8',
      { model: '/m.gguf', ctx_size: 2048, gpu_layers: 99, threads: 8 },
    ],
    [
      'alternative long names',
      'llama-server --n-gpu-layers 5 --n-predict 10 --embeddings',
      { gpu_layers: 5, predict: 10, embedding: true },
    ],
    ['case-sensitive short flags', 'llama-server -C ff -c 10', { cpu_mask: 'ff', ctx_size: 10 }],
    ['--flag=value', 'llama-server --ctx-size=4096 --alias=a=b', { ctx_size: 4096, alias: 'a=b' }],
    ['double-quoted value with spaces', 'llama-server --alias "my model"', { alias: 'my model' }],
    [
      'single-quoted value with an apostrophe-free phrase',
      "llama-server --alias 'my model'",
      { alias: 'my model' },
    ],
    ['escaped apostrophe', `llama-server --alias "Bob's model"`, { alias: "Bob's model" }],
    ['quoted --flag=value', 'llama-server --alias="my model"', { alias: 'my model' }],
    [
      'backslash-newline continuations',
      'llama-server \\\n  -m /m.gguf \\\n  --port 8080',
      { model: '/m.gguf', port: 8080 },
    ],
    [
      'continuation with trailing spaces',
      'llama-server -m /m.gguf \\   \n --port 1',
      { model: '/m.gguf', port: 1 },
    ],
    ['a leading executable path', '/opt/llama.cpp/build/bin/llama-server -m x', { model: 'x' }],
    ['a leading Windows-style executable name', 'llama-server.exe -m x', { model: 'x' }],
    ['no executable at all', '-m x --port 9', { model: 'x', port: 9 }],
    [
      'repeated flags into a list',
      'llama-server --lora a.gguf --lora b.gguf -ot x=CPU',
      { lora: ['a.gguf', 'b.gguf'], override_tensor: ['x=CPU'] },
    ],
    [
      'kept 0 and false',
      'llama-server --temp 0 -ngl 0 --seed 0',
      { temp: 0, gpu_layers: 0, seed: 0 },
    ],
    [
      'negative numbers as values',
      'llama-server --seed -1 --temp -0.5 --n-predict -2',
      { seed: -1, temp: -0.5, predict: -2 },
    ],
    [
      'numeric strings into string fields',
      'llama-server --model 7 --device 0 --api-key 12345',
      { model: '7', device: '0', api_key: '12345' },
    ],
    ['bare -fa means on', 'llama-server -fa -m x', { flash_attn: 'on', model: 'x' }],
    ['-fa with a value', 'llama-server -fa off', { flash_attn: 'off' }],
    ['boolean with =false kept', 'llama-server --mlock=false --mmap', { mlock: false, mmap: true }],
    [
      'two-value flags',
      'llama-server --control-vector-layer-range 2 10 --spec-replace a b',
      { control_vector_layer_range: '2 10', spec_replace: 'a b' },
    ],
    ['real fim spelling', 'llama-server --fim-qwen-1.5b-default', { fim_qwen_1_5b_default: true }],
    ['positional model', 'llama-server /m.gguf --port 1', { model: '/m.gguf', port: 1 }],
    [
      'unknown flags into extra_args in their own spelling',
      'llama-server --my-flag v --bare -z 3',
      { extra_args: { 'my-flag': 'v', bare: '', '-z': '3' } },
    ],
    [
      '$VAR kept literally',
      'llama-server -m $HOME/m.gguf --alias "${X}"',
      { model: '$HOME/m.gguf', alias: '${X}' },
    ],
    ['a trailing comment', 'llama-server -m x # the model', { model: 'x' }],
    [
      'a quoted shell metacharacter value is one literal',
      `llama-server --alias 'x; touch pwned'`,
      { alias: 'x; touch pwned' },
    ],
    [
      'JSON in single quotes',
      `llama-server --chat-template-kwargs '{"enable_thinking": false}'`,
      { chat_template_kwargs: '{"enable_thinking": false}' },
    ],
    [
      'newer llama-server spellings',
      'llama-server --temperature 0.2 -ctxcp 4 --spec-draft-model d.gguf --ui',
      { temp: 0.2, ctx_checkpoints: 4, model_draft: 'd.gguf', webui: true },
    ],
    [
      'flags llamactl lacks',
      'llama-server -rea off --cors-origins localhost -lm mmap',
      { reasoning: 'off', cors_origins: 'localhost', load_mode: 'mmap' },
    ],
    [
      'lookup cache files',
      'llama-server -lcs static.bin -lcd dyn.bin',
      { lookup_cache_static: 'static.bin', lookup_cache_dynamic: 'dyn.bin' },
    ],
    [
      'router mode flags',
      'llama-server --models-dir /models --models-max 2 --no-models-autoload',
      { models_dir: '/models', models_max: 2, no_models_autoload: true },
    ],
  ])('%s', (_name, cmd, expected) => {
    expect(llama(cmd)).toEqual(expected);
  });

  it('turns the parsed options back into the same argv', () => {
    const opts = llama(
      `llama-server -m "/models/a b.gguf" -c 0 --lora x --lora y --spec-replace p q --foo bar`,
    );
    const cfg = loadConfig({ env: {}, files: false, overrides: { data_dir: '/d' } });
    const cmd = buildCommand(
      {
        name: 'a',
        options: {
          backend_type: 'llama_cpp',
          backend_options: opts,
          auto_restart: false,
          max_restarts: 0,
          restart_delay: 0,
          on_demand_start: false,
          idle_timeout: 0,
        },
      },
      cfg,
      {},
    );
    expect(cmd.args).toEqual([
      '--ctx-size',
      '0',
      '--lora',
      'x',
      '--lora',
      'y',
      '--model',
      '/models/a b.gguf',
      '--spec-replace',
      'p',
      'q',
      '--foo',
      'bar',
      '--alias',
      'a',
    ]);
  });

  it('reads Windows paths, where backslashes separate folders', () => {
    expect(
      parseCommand(
        'llama_cpp',
        `C:\\llama\\llama-server.exe -m "C:\\Models\\my model.gguf" --alias 'a\\b'`,
      ),
    ).toEqual({
      backend_type: 'llama_cpp',
      backend_options: { model: 'C:\\Models\\my model.gguf', alias: 'a\\b' },
      command: 'C:\\llama\\llama-server.exe',
    });
  });

  it.each([
    [
      'llama_cpp',
      '/opt/llama/bin/llama-server -m model.gguf -c 512',
      '/opt/llama/bin/llama-server',
    ],
    ['llama_cpp', 'llama-server -m model.gguf', undefined],
    ['llama_cpp', '-m model.gguf', undefined],
    ['llama_cpp', 'llama-server.exe -m x', 'llama-server.exe'],
    ['llama_cpp', '"/opt/my llama/llama-server" -m x', "'/opt/my llama/llama-server'"],
    ['llama_cpp', 'CUDA_VISIBLE_DEVICES=0 ./llama-server -m x', './llama-server'],
    ['vllm', '/venv/bin/vllm serve org/m', '/venv/bin/vllm'],
    ['vllm', 'vllm serve org/m', undefined],
    ['vllm', 'serve org/m', undefined],
    [
      'vllm',
      'python3 -m vllm.entrypoints.cli.main serve org/m',
      'python3 -m vllm.entrypoints.cli.main',
    ],
    ['mlx_lm', 'python -m mlx_lm.server --model m', 'python -m mlx_lm.server'],
    ['mlx_lm', 'mlx_lm server --model m', 'mlx_lm server'],
    ['mlx_lm', 'mlx_lm.server --model m', undefined],
  ] as const)('returns the executable of %s `%s` as command: %s', (type, line, command) => {
    expect(parseCommand(type, line).command).toBe(command);
  });

  it.each([
    ['"/opt/my llama/llama-server" -m x', '/opt/my llama/llama-server'],
    ['C:\\llama\\llama-server.exe -m x', 'C:\\llama\\llama-server.exe'],
    ['"C:\\my llama\\llama-server.exe" -m x', 'C:\\my llama\\llama-server.exe'],
    [`"/opt/it's/llama-server" -m x`, "/opt/it's/llama-server"],
  ])('returns a command that, as command_override, runs what `%s` ran', (line, exe) => {
    const cfg = loadConfig({ env: {}, files: false, overrides: { data_dir: '/data' } });
    const parsed = parseCommand('llama_cpp', line);
    const cmd = buildCommand(
      {
        name: 'a',
        options: {
          backend_type: 'llama_cpp',
          backend_options: parsed.backend_options,
          command_override: parsed.command,
          auto_restart: false,
          max_restarts: 0,
          restart_delay: 0,
          on_demand_start: false,
          idle_timeout: 0,
        },
      },
      cfg,
      {},
    );
    expect([cmd.command, ...cmd.args]).toEqual([exe, '--model', 'x', '--alias', 'a']);
  });

  it('returns leading NAME=value words as the environment', () => {
    expect(
      parseCommand('llama_cpp', 'CUDA_VISIBLE_DEVICES=0,1 HF_TOKEN="a b" llama-server -m x'),
    ).toEqual({
      backend_type: 'llama_cpp',
      backend_options: { model: 'x' },
      environment: { CUDA_VISIBLE_DEVICES: '0,1', HF_TOKEN: 'a b' },
    });
    expect(parseCommand('vllm', 'env A=1 vllm serve m')).toEqual({
      backend_type: 'vllm',
      backend_options: { model: 'm' },
      environment: { A: '1' },
    });
  });

  it('answers llama_cpp as the backend type', () => {
    expect(parseCommand('llama_cpp', 'llama-server -m x').backend_type).toBe('llama_cpp');
  });
});

describe('parseCommand for vLLM', () => {
  it.each([
    [
      'vllm serve with a positional model',
      'vllm serve meta/Llama-3 --port 8000',
      { model: 'meta/Llama-3', port: 8000 },
    ],
    ['serve without vllm', 'serve org/m', { model: 'org/m' }],
    ['an executable path', '/venv/bin/vllm serve org/m', { model: 'org/m' }],
    [
      'python -m api_server',
      'python3 -m vllm.entrypoints.openai.api_server --model org/m',
      { model: 'org/m' },
    ],
    ['positional model after flags', 'vllm serve --port 1 org/m', { port: 1, model: 'org/m' }],
    [
      'short -tp and -q',
      'vllm serve m -tp 2 -q awq',
      { model: 'm', tensor_parallel_size: 2, quantization: 'awq' },
    ],
    [
      'underscore spellings',
      'vllm serve m --max_model_len 4096',
      { model: 'm', max_model_len: 4096 },
    ],
    [
      'lora-modules with several values',
      'vllm serve m --lora-modules a=/x b=/y --port 2',
      { model: 'm', lora_modules: ['a=/x', 'b=/y'], port: 2 },
    ],
    [
      'repeat lists',
      'vllm serve m --api-key k1 --api-key 123',
      { model: 'm', api_key: ['k1', '123'] },
    ],
    [
      'gpu memory fraction',
      'vllm serve m --gpu-memory-utilization 0.9 --trust-remote-code',
      { model: 'm', gpu_memory_utilization: 0.9, trust_remote_code: true },
    ],
    [
      'unknown flags',
      'vllm serve m --enable-reasoning --reasoning-parser deepseek_r1',
      { model: 'm', extra_args: { 'enable-reasoning': '', 'reasoning-parser': 'deepseek_r1' } },
    ],
  ])('%s', (_name, cmd, expected) => {
    expect(vllm(cmd)).toEqual(expected);
  });
});

describe('parseCommand for MLX', () => {
  it.each([
    [
      'mlx_lm.server',
      'mlx_lm.server --model mlx-community/m --port 8080',
      { model: 'mlx-community/m', port: 8080 },
    ],
    [
      'python -m mlx_lm.server',
      'python -m mlx_lm.server --model m --temp 0.0 --top-k 0',
      { model: 'm', temp: 0, top_k: 0 },
    ],
    ['mlx_lm server', 'mlx_lm server --model m', { model: 'm' }],
    [
      'an executable path',
      '/Users/me/.venv/bin/mlx_lm.server --model m --trust-remote-code',
      { model: 'm', trust_remote_code: true },
    ],
  ])('%s', (_name, cmd, expected) => {
    expect(mlx(cmd)).toEqual(expected);
  });
});

describe('parseCommand errors', () => {
  it.each([
    ['empty', '', 'invalid_command', 'Command cannot be empty'],
    ['whitespace', '  \n ', 'invalid_command', 'Command cannot be empty'],
    [
      'unterminated double quote',
      'llama-server --alias "oops',
      'parse_error',
      'unterminated double quote starting at character 22',
    ],
    [
      'unterminated single quote',
      "llama-server --alias 'oops",
      'parse_error',
      'unterminated single quote starting at character 22',
    ],
    [
      'a shell operator',
      'llama-server -m x; rm -rf /',
      'parse_error',
      "shell operator ';' cannot be parsed: give one command only, and quote values that contain ;",
    ],
    [
      'a pipe',
      'llama-server -m x | tee log',
      'parse_error',
      "shell operator '|' cannot be parsed: give one command only, and quote values that contain |",
    ],
    ['malformed flag', 'llama-server ---x', 'parse_error', 'malformed flag: ---x'],
    ['missing value', 'llama-server --ctx-size', 'parse_error', '--ctx-size needs a value'],
    [
      'missing value before a flag',
      'llama-server --model --port 1',
      'parse_error',
      "--model needs a value (write --model=--port if '--port' is the value)",
    ],
    [
      'not an integer',
      'llama-server --threads 4.5',
      'parse_error',
      "--threads expects an integer, got '4.5'",
    ],
    [
      'not a number',
      'llama-server --temp hot',
      'parse_error',
      "--temp expects a number, got 'hot'",
    ],
    [
      'bad switch value',
      'llama-server --mlock=maybe',
      'parse_error',
      "--mlock is a switch: 'maybe' is not true or false",
    ],
    [
      'one value for a pair',
      'llama-server --spec-replace a',
      'parse_error',
      '--spec-replace needs two values',
    ],
    [
      'extra positional',
      'llama-server -m x stray',
      'parse_error',
      "unexpected argument 'stray' (not a flag, nor the value of one)",
    ],
    [
      'port out of range',
      'llama-server --port 99999',
      'parse_error',
      'backend_options.port: must be between 0 and 65535',
    ],
    [
      'wrong python module',
      'python -m mlx_lm.generate --model m',
      'parse_error',
      "unknown module 'mlx_lm.generate': expected 'mlx_lm.server' or 'mlx_lm server'",
    ],
  ] as const)('%s', (_name, cmd, code, details) => {
    const type = cmd.includes('mlx') ? 'mlx_lm' : 'llama_cpp';
    const e = errorOf(() => parseCommand(type, cmd));
    expect(e.code).toBe(code);
    expect(e.status).toBe(400);
    expect(e.details).toBe(details);
  });
});
