import { describe, expect, it } from 'vitest';
import { instanceNameFor, localModelPrefill } from './local';

describe('local model prefill', () => {
  it('names an instance after the file, without extension or shard suffix', () => {
    expect(instanceNameFor('Qwen3-1.7B-Q4_K_M.gguf')).toBe('qwen3-1.7b-q4_k_m');
    expect(instanceNameFor('big model-Q8_0-00001-of-00003.gguf')).toBe('big-model-q8_0');
    expect(instanceNameFor('.gguf')).toBe('model');
  });

  it('passes the mmproj next to the model as --mmproj, and nothing when there is none', () => {
    const m = {
      path: '/m/gemma-3-4b-it-Q4_K_M.gguf',
      name: 'gemma-3-4b-it-Q4_K_M.gguf',
      folder: '/m',
      size_bytes: 1,
      parts: 1,
    };
    expect(localModelPrefill({ ...m, mmproj: '/m/mmproj-F16.gguf' }).options).toEqual({
      backend_type: 'llama_cpp',
      backend_options: { model: m.path, mmproj: '/m/mmproj-F16.gguf' },
    });
    expect(localModelPrefill(m).options.backend_options).toEqual({ model: m.path });
  });
});
