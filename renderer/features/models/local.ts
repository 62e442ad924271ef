import type { InstanceOptions } from '../../../shared/api/instances';
import type { LocalModel } from '../../../shared/api/library';

/** An instance name from a model file name: `Qwen3-1.7B-Q4_K_M-00001-of-00002.gguf` -> `qwen3-1.7b-q4_k_m`. */
export function instanceNameFor(fileName: string): string {
  const base = fileName
    .replace(/\.gguf$/i, '')
    .replace(/-\d{5}-of-\d{5}$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return (base || 'model').slice(0, 50);
}

/** Create-dialog prefill for a local GGUF file; its mmproj neighbour becomes `--mmproj`. */
export function localModelPrefill(m: LocalModel): {
  name: string;
  options: Partial<InstanceOptions>;
} {
  return {
    name: instanceNameFor(m.name),
    options: {
      backend_type: 'llama_cpp',
      backend_options: { model: m.path, ...(m.mmproj ? { mmproj: m.mmproj } : {}) },
    },
  };
}

/** Create-dialog prefill for a model file chosen in the desktop app's file dialog. */
export function modelFilePrefill(path: string): {
  name: string;
  options: Partial<InstanceOptions>;
} {
  const file = path.split(/[\\/]/).pop() ?? path;
  return {
    name: instanceNameFor(file),
    options: { backend_type: 'llama_cpp', backend_options: { model: path } },
  };
}
