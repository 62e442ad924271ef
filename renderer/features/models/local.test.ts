import { describe, expect, it } from 'vitest';
import { instanceNameFor, localModelPrefill, modelFilePrefill } from './local';

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

  it('names an instance after a file chosen in the file dialog, on POSIX and Windows paths', () => {
    expect(modelFilePrefill('/data/Llama-3.2-1B-Q8_0.gguf')).toEqual({
      name: 'llama-3.2-1b-q8_0',
      options: {
        backend_type: 'llama_cpp',
        backend_options: { model: '/data/Llama-3.2-1B-Q8_0.gguf' },
      },
    });
    expect(modelFilePrefill('C:\\Models\\phi-4-Q4_K_M.gguf').name).toBe('phi-4-q4_k_m');
  });
});
