import { describe, expect, it } from 'vitest';
import type { InstanceOptions } from '../../../shared/api/instances';
import { previewArgv, shellQuote } from './command-preview';

const opts = (o: Partial<InstanceOptions>): InstanceOptions => ({
  backend_type: 'llama_cpp',
  backend_options: {},
  auto_restart: true,
  max_restarts: 3,
  restart_delay: 5,
  on_demand_start: true,
  idle_timeout: 0,
  ...o,
});

describe('command preview', () => {
  it('renders llama.cpp flags in table order, then extra args, with the configured command', () => {
    const argv = previewArgv(
      opts({
        backend_options: {
          model: '/m.gguf',
          ctx_size: 8192,
          port: 8001,
          verbose_prompt: true,
          extra_args: { 'reasoning-budget': '0', jinja: '' },
        },
      }),
      { 'llama-cpp': { command: '/opt/llama-server', args: [] } },
    );
    expect(argv[0]).toBe('/opt/llama-server');
    expect(argv.indexOf('--verbose-prompt')).toBeLessThan(argv.indexOf('--ctx-size'));
    expect(argv.join(' ')).toContain('--ctx-size 8192');
    expect(argv.join(' ')).toContain('--model /m.gguf');
    expect(argv.slice(-3)).toEqual(['--reasoning-budget', '0', '--jinja']);
  });

  it('puts the vLLM model after serve, and uses docker when enabled', () => {
    const v = previewArgv(
      opts({ backend_type: 'vllm', backend_options: { model: 'Qwen/Q', tensor_parallel_size: 2 } }),
      {},
    );
    expect(v.slice(0, 3)).toEqual(['vllm', 'serve', 'Qwen/Q']);
    expect(v).not.toContain('--model');
    const d = previewArgv(opts({ docker_enabled: true, backend_options: { model: '/m.gguf' } }), {
      'llama-cpp': {
        command: 'llama-server',
        docker: {
          enabled: false,
          image: 'ghcr.io/ggml-org/llama.cpp:server',
          args: ['run', '--rm'],
        },
      },
    });
    expect(d.slice(0, 4)).toEqual(['docker', 'run', '--rm', 'ghcr.io/ggml-org/llama.cpp:server']);
  });

  it('a command override replaces the executable', () => {
    expect(previewArgv(opts({ command_override: '/x/llama-server' }), {})[0]).toBe(
      '/x/llama-server',
    );
  });

  it('quotes arguments a shell would split', () => {
    expect(shellQuote(['llama-server', '--alias', 'my model', "it's"])).toBe(
      `llama-server --alias 'my model' 'it'\\''s'`,
    );
  });
});
