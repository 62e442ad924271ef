import type { Fit } from '../../shared/api/library';
import type { MemoryBreakdown } from '../../shared/api/memory';
import { fitOf } from './starters';

const MIB = 1024 * 1024;

/**
 * What llama-server needs beyond weights, KV cache and compute buffer: the program itself, its
 * threads, the HTTP server, the tokenizer and per-slot state. Measured with the real
 * llama-server of the real suite (e2e/real/memory.test.ts; figures in docs/observability.md):
 * the tiny model's RSS (16.5 MiB, Linux x64 CPU build 80fb11a) minus its weights and KV cache
 * (0.65 MiB), rounded up.
 */
export const LLAMA_SERVER_BASE_BYTES = 16 * MIB;

/** The facts of a GGUF model that decide its memory, from its header (main/models/gguf-info.ts). */
export interface GgufMemoryFacts {
  /** tensor data of every shard: what is loaded (file size minus each header) */
  weightsBytes: number;
  layers: number;
  embedding: number;
  heads: number;
  /** KV heads of each layer (a GGUF may give one number for all, or one per layer; 0 = no attention) */
  kvHeads: number[];
  keyLength: number;
  valueLength: number;
  /** the training context; null when the header does not say */
  contextLength: number | null;
  vocabSize: number;
}

/** The llama-server options that change its memory, read from an instance's backend_options. */
export interface LlamaMemoryOptions {
  ctxSize?: number;
  cacheTypeK?: string;
  cacheTypeV?: string;
  batchSize?: number;
  ubatchSize?: number;
  flashAttn?: string;
  /** a number, 'auto' or 'all' (-1 = auto) */
  gpuLayers?: number | string;
  noKvOffload?: boolean;
  parallel?: number;
  kvUnifiedPerSlot?: number;
  device?: string;
  /** weights loaded next to the model: the multimodal projector (mmproj) */
  extraBytes?: number;
}

/**
 * Bytes per element of the KV cache types llama-server accepts (`--cache-type-k/-v`): quantised
 * types store blocks of 32 values (q8_0: 32 bytes + an f16 scale = 34 bytes per block).
 */
export const CACHE_TYPE_BYTES: Readonly<Record<string, number>> = {
  f32: 4,
  f16: 2,
  bf16: 2,
  q8_0: 34 / 32,
  q4_0: 18 / 32,
  q4_1: 20 / 32,
  iq4_nl: 18 / 32,
  q5_0: 22 / 32,
  q5_1: 24 / 32,
};

/** llama-server's default slot count with `--parallel -1` (auto). */
const AUTO_PARALLEL = 4;
/** llama-server's defaults: -b 2048, -ub 512, context 0 = the model's training context. */
const DEFAULT_BATCH = 2048;
const DEFAULT_UBATCH = 512;
/** a context when the header names none (llama.cpp's own fallback for such models) */
const FALLBACK_CONTEXT = 4096;

export interface MemoryEstimate {
  total_bytes: number;
  breakdown: MemoryBreakdown;
  /** the context the KV cache is sized for */
  context_size: number;
  layers: number;
}

const cacheBytes = (type: string | undefined) =>
  CACHE_TYPE_BYTES[(type ?? 'f16').toLowerCase()] ?? 2;

/**
 * The memory llama-server will use for a model with these options:
 * - weights: the tensor data (mmap'ed file pages count towards RSS once loaded), plus mmproj;
 * - KV cache: context × Σ over layers of kv_heads × (key_length × bytes(K) + value_length ×
 *   bytes(V)). `-c` is the whole cache: slots share it (`--parallel` does not multiply it), except
 *   `--kv-unified-per-slot N` without `-c`, which sizes it to slots × N; `-c 0`/absent is the
 *   model's training context, as llama-server does;
 * - compute buffer: f32 activations of one micro-batch (logits over the vocabulary plus a few
 *   embedding-wide tensors) and its attention mask over the whole cache, plus the attention
 *   score matrix when flash attention is off;
 * - a measured base for the program itself (LLAMA_SERVER_BASE_BYTES).
 * Not modelled: sliding-window caches (counted in full, so an over-estimate) and MLA-compressed
 * caches (also over), and a draft model for speculative decoding (not counted).
 */
export function estimateLlamaMemory(facts: GgufMemoryFacts, o: LlamaMemoryOptions): MemoryEstimate {
  const slots = o.parallel === undefined || o.parallel <= 0 ? AUTO_PARALLEL : o.parallel;
  let context: number;
  if (o.ctxSize !== undefined && o.ctxSize > 0) context = o.ctxSize;
  else if (o.kvUnifiedPerSlot !== undefined && o.kvUnifiedPerSlot > 0)
    context = slots * o.kvUnifiedPerSlot;
  else context = facts.contextLength ?? FALLBACK_CONTEXT;
  const perToken = facts.kvHeads.reduce(
    (sum, heads) =>
      sum +
      heads *
        (facts.keyLength * cacheBytes(o.cacheTypeK) + facts.valueLength * cacheBytes(o.cacheTypeV)),
    0,
  );
  const kv = Math.ceil(context * perToken);
  const ubatch = Math.min(o.ubatchSize ?? DEFAULT_UBATCH, o.batchSize ?? DEFAULT_BATCH, context);
  // logits and activations of one micro-batch, and its f32 attention mask over the whole cache
  let compute = 4 * ubatch * (facts.vocabSize + 4 * facts.embedding) + 4 * ubatch * context;
  if ((o.flashAttn ?? 'auto').toLowerCase() === 'off')
    compute += 4 * ubatch * context * facts.heads;
  const weights = facts.weightsBytes + (o.extraBytes ?? 0);
  const breakdown: MemoryBreakdown = {
    weights_bytes: weights,
    kv_cache_bytes: kv,
    compute_bytes: compute,
    overhead_bytes: LLAMA_SERVER_BASE_BYTES,
  };
  return {
    total_bytes: weights + kv + compute + LLAMA_SERVER_BASE_BYTES,
    breakdown,
    context_size: context,
    layers: facts.layers,
  };
}

/** Memory that can be used right now. */
export interface FreeMemory {
  /** system memory available (Linux MemAvailable; unified memory on Apple silicon) */
  ram_bytes: number;
  /** free memory of the discrete GPUs together; null where none is known */
  vram_bytes: number | null;
}

/** Where an estimate lands: system memory and GPU memory. */
export interface MemoryPlacement {
  ram_bytes: number;
  vram_bytes: number;
}

/**
 * Splits an estimate between GPU memory and system memory. Without a known discrete GPU (or with
 * `-ngl 0`, `--device none`) everything is system memory; on Apple silicon the GPU shares it
 * anyway. `-ngl N` puts N of the layers (their weights and KV cache) and the compute buffer on
 * the GPU; `-ngl all` every layer; `auto` (the default) lets llama.cpp's `--fit` put on the GPU
 * what fits there, so the GPU takes as much as is free and the rest stays in system memory.
 */
export function placeEstimate(
  est: MemoryEstimate,
  o: LlamaMemoryOptions,
  free: FreeMemory,
): MemoryPlacement {
  const b = est.breakdown;
  const total = est.total_bytes;
  const gpu = free.vram_bytes !== null && (o.device ?? '').toLowerCase() !== 'none';
  const layers = o.gpuLayers;
  if (!gpu || layers === 0 || layers === '0') return { ram_bytes: total, vram_bytes: 0 };
  const kvOnGpu = !o.noKvOffload;
  const layerBytes = b.weights_bytes + (kvOnGpu ? b.kv_cache_bytes : 0);
  const explicit =
    typeof layers === 'number' && layers > 0
      ? Math.min(layers, est.layers) / Math.max(1, est.layers)
      : layers === 'all'
        ? 1
        : null;
  if (explicit !== null) {
    const vram = Math.round(layerBytes * explicit) + b.compute_bytes;
    return { ram_bytes: total - vram, vram_bytes: vram };
  }
  const vram = Math.min(layerBytes + b.compute_bytes, free.vram_bytes!);
  return { ram_bytes: total - vram, vram_bytes: vram };
}

export interface MemoryJudgement {
  verdict: Fit;
  /** the memory that decided the verdict */
  memory: 'ram' | 'vram';
  needed_bytes: number;
  free_bytes: number;
}

/**
 * The verdict of a placement against free memory, with the thresholds of the starter models
 * (fitOf: fits up to 75 %, tight up to 100 %, won't fit beyond): the worse of system and GPU
 * memory decides.
 */
export function judgeMemory(place: MemoryPlacement, free: FreeMemory): MemoryJudgement {
  const ram: MemoryJudgement = {
    verdict: fitOf(place.ram_bytes, free.ram_bytes),
    memory: 'ram',
    needed_bytes: place.ram_bytes,
    free_bytes: free.ram_bytes,
  };
  if (place.vram_bytes <= 0 || free.vram_bytes === null) return ram;
  const vram: MemoryJudgement = {
    verdict: fitOf(place.vram_bytes, free.vram_bytes),
    memory: 'vram',
    needed_bytes: place.vram_bytes,
    free_bytes: free.vram_bytes,
  };
  const rank: Record<Fit, number> = { fits: 0, tight: 1, wont_fit: 2 };
  return rank[vram.verdict] > rank[ram.verdict] ? vram : ram;
}

const int = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v);
  return undefined;
};
const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;

/** The memory-relevant options of a llama.cpp instance's (normalised) backend_options. */
export function llamaMemoryOptions(bo: Record<string, unknown>): LlamaMemoryOptions {
  const gpu = bo.gpu_layers;
  return {
    ctxSize: int(bo.ctx_size),
    cacheTypeK: text(bo.cache_type_k),
    cacheTypeV: text(bo.cache_type_v),
    batchSize: int(bo.batch_size),
    ubatchSize: int(bo.ubatch_size),
    flashAttn: bo.flash_attn === true ? 'on' : text(bo.flash_attn),
    gpuLayers:
      int(gpu) === -1 ? 'auto' : (int(gpu) ?? (typeof gpu === 'string' ? gpu.trim() : undefined)),
    noKvOffload: bo.no_kv_offload === true || bo.kv_offload === false,
    parallel: int(bo.parallel),
    kvUnifiedPerSlot: int(bo.kv_unified_per_slot),
    device: text(bo.device),
  };
}
