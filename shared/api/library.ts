/** The local model library and starter models: `GET /api/v1/models/local`, `GET /api/v1/models/starters`. */
import type { GgufInfo } from './models';

/** A GGUF model file found in a models folder. */
export interface LocalModel {
  /** the model file (the first shard of a split model) */
  path: string;
  /** file name */
  name: string;
  /** the models folder it was found in */
  folder: string;
  /** all shards together */
  size_bytes: number;
  /** shards of a split model (1 for a single file) */
  parts: number;
  gguf?: GgufInfo;
  /** a vision projector next to the model, passed as --mmproj when creating an instance */
  mmproj?: string;
  /** "org/name" when the file lives in a Hugging Face cache */
  repo?: string;
}

export interface LocalModelsResponse {
  folders: { path: string; exists: boolean }[];
  models: LocalModel[];
  /** the scan stopped early (too many files); the list is partial */
  truncated: boolean;
}

export type Fit = 'fits' | 'tight' | 'wont_fit';

export interface StarterQuantization {
  /** quantization label, the download tag (`org/name:<tag>`) */
  tag: string;
  size_bytes: number;
  /** memory needed at the starter's context size (file + KV cache + overhead) */
  needed_bytes: number;
  fit: Fit;
}

export interface StarterModel {
  id: string;
  name: string;
  /** Hugging Face repo with GGUF files */
  repo: string;
  family: string;
  parameters: string;
  /** the context size the fit is computed for (and the guide starts with) */
  context_size: number;
  description: string;
  vision: boolean;
  quantizations: StarterQuantization[];
  /** the quantization we would pick: the best that fits, else the smallest */
  recommended: string;
  /** the fit of the recommended quantization */
  fit: Fit;
}

export interface StartersResponse {
  /** version of the list (data/starter-models.json) */
  version: number;
  /** the memory the fit is measured against */
  memory_bytes: number;
  memory_kind: 'unified' | 'gpu' | 'system';
  models: StarterModel[];
}
