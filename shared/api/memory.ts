import type { Fit } from './library';

/** The parts of a memory estimate (bytes). */
export interface MemoryBreakdown {
  /** the model's tensor data (every shard) plus a multimodal projector */
  weights_bytes: number;
  /** KV cache at the configured context and cache types */
  kv_cache_bytes: number;
  /** llama.cpp's compute buffer for one micro-batch */
  compute_bytes: number;
  /** the program itself (a measured constant) */
  overhead_bytes: number;
}

/**
 * `POST /api/v1/system/memory-estimate` (body: instance options, as for create): what an instance
 * with these options would need and whether it fits now. `estimate_bytes` is null where nothing
 * is estimated (not a llama.cpp instance, no local GGUF file, Docker, another node); `reason`
 * says why.
 */
export interface MemoryEstimateResponse {
  estimate_bytes: number | null;
  /** memory it could use: available now plus what evicting idle instances would free */
  free_bytes: number;
  /** the part of free_bytes that evicting idle instances would free (LRU eviction on) */
  evictable_bytes: number;
  verdict: Fit | null;
  /** which memory decided the verdict: system memory or the GPUs' */
  memory: 'ram' | 'vram' | null;
  breakdown: MemoryBreakdown | null;
  context_size: number | null;
  /** off by the config (`instances.memory_check: false`) or the options (`skip_memory_check`) */
  check_enabled: boolean;
  reason?: string;
}
