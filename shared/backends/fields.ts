import type { BackendType } from '../api/instances';
import { LLAMA_CPP_OPTIONS } from './llama-cpp';
import { MLX_LM_OPTIONS } from './mlx-lm';
import type { BackendOptionField } from './types';
import { VLLM_OPTIONS } from './vllm';

/** Field tables per backend, in argv order. */
export const BACKEND_OPTION_FIELDS: Readonly<Record<BackendType, readonly BackendOptionField[]>> = {
  llama_cpp: LLAMA_CPP_OPTIONS,
  vllm: VLLM_OPTIONS,
  mlx_lm: MLX_LM_OPTIONS,
};

/** Executable names, for forms and parse-command. */
export const BACKEND_EXECUTABLES: Readonly<Record<BackendType, string>> = {
  llama_cpp: 'llama-server',
  vllm: 'vllm',
  mlx_lm: 'mlx_lm.server',
};
