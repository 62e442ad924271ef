import { describe, expect, it } from 'vitest';
import type { LocalModel, StarterModel } from '../../../shared/api/library';
import type { RuntimesResponse } from '../../../shared/api/runtimes';
import { contextSizeFor, guideInstance, hasGpu, starterFile } from './defaults';

const GiB = 1024 ** 3;
const local = (over: Partial<LocalModel> = {}): LocalModel => ({
  path: '/m/tiny-Q4_K_M.gguf',
  name: 'tiny-Q4_K_M.gguf',
  folder: '/m',
  size_bytes: 1 * GiB,
  parts: 1,
  gguf: { context_length: 32768, quantization: 'Q4_K_M' },
  ...over,
});
const starter: StarterModel = {
  id: 'qwen3-0.6b',
  name: 'Qwen3 0.6B',
  repo: 'unsloth/Qwen3-0.6B-GGUF',
  family: 'Qwen3',
  parameters: '0.6B',
  context_size: 8192,
  description: '',
  vision: false,
  quantizations: [],
  recommended: 'Q4_K_M',
  fit: 'fits',
};
const runtimes = (devices: string[], gpus: RuntimesResponse['hardware']['gpus'] = []) =>
  ({
    default: { command: 'llama-server', source: 'default', path: '/x' },
    runtimes: [{ path: '/x', sources: ['path'], devices, default: true }],
    hardware: {
      os: 'linux',
      arch: 'x64',
      memory_bytes: 16 * GiB,
      gpus,
      recommended_variant: gpus.length ? 'vulkan' : 'cpu',
    },
  }) as RuntimesResponse;

describe('guide defaults', () => {
  it('uses the starter context, capped by what the model was trained for', () => {
    expect(contextSizeFor({ local: local(), starter }, 16 * GiB)).toBe(8192);
    expect(
      contextSizeFor({ local: local({ gguf: { context_length: 4096 } }), starter }, 16 * GiB),
    ).toBe(4096);
  });

  it('shrinks the context of a local file when little memory is left after the weights', () => {
    expect(contextSizeFor({ local: local() }, 16 * GiB)).toBe(8192);
    expect(contextSizeFor({ local: local({ size_bytes: 12 * GiB }) }, 16 * GiB)).toBe(4096);
    expect(contextSizeFor({ local: local({ size_bytes: 15 * GiB }) }, 16 * GiB)).toBe(2048);
    expect(contextSizeFor({ local: local({ gguf: { context_length: 1024 } }) }, 64 * GiB)).toBe(
      1024,
    );
  });

  it('turns GPU layers on only where the runtime or the machine has a GPU', () => {
    expect(hasGpu(runtimes([]))).toBe(false);
    expect(hasGpu(runtimes(['Vulkan0: GPU (8192 MiB, 8000 MiB free)']))).toBe(true);
    expect(hasGpu(runtimes([], [{ vendor: 'amd' }]))).toBe(true);
    const cpu = guideInstance({ local: local({ mmproj: '/m/mmproj.gguf' }) }, runtimes([]));
    expect(cpu).toEqual({
      name: 'tiny-q4_k_m',
      options: {
        backend_type: 'llama_cpp',
        backend_options: {
          model: '/m/tiny-Q4_K_M.gguf',
          mmproj: '/m/mmproj.gguf',
          ctx_size: 8192,
          gpu_layers: 0,
        },
      },
    });
    const gpu = guideInstance({ local: local(), starter }, runtimes(['CUDA0: x']));
    expect(gpu.name).toBe('qwen3-0.6b');
    expect(gpu.options.backend_options).toMatchObject({ gpu_layers: 999 });
  });

  it('finds a starter file among the local files by repo and quantization', () => {
    const files = [
      local({
        repo: 'unsloth/Qwen3-0.6B-GGUF',
        name: 'Qwen3-0.6B-Q8_0.gguf',
        gguf: { quantization: 'Q8_0' },
      }),
      local({ repo: 'unsloth/Qwen3-0.6B-GGUF', name: 'Qwen3-0.6B-Q4_K_M.gguf' }),
    ];
    expect(starterFile(starter, 'Q4_K_M', files)?.name).toBe('Qwen3-0.6B-Q4_K_M.gguf');
    expect(starterFile(starter, 'Q4_K_M', [files[0]])).toBeUndefined();
  });
});
