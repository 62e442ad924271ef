import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyLlamaGguf } from '../../e2e/fixtures/gguf-writer';
import { readGgufMemoryFacts } from './gguf-info';
import {
  estimateLlamaMemory,
  judgeMemory,
  LLAMA_SERVER_BASE_BYTES,
  llamaMemoryOptions,
  placeEstimate,
  type GgufMemoryFacts,
} from './memory-estimate';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

// The tiny llama of the real suite, by hand: 184 tokens (3 specials, 128 ASCII bytes, ▁, a-z,
// ▁a-▁z), embedding 64, 2 blocks of 4 heads (4 KV heads, head size 64/4 = 16), context 512.
// F32 tensors: token_embd and output 64 × 184 × 4 = 47 104 bytes each, output_norm 256; per
// block two norms (2 × 256), q/k/v/o 4 × 64 × 64 × 4 = 65 536, gate+up 2 × 64 × 128 × 4 =
// 65 536, down 32 768: 164 352. Tensor data: 2 × 47 104 + 256 + 2 × 164 352 = 423 168 bytes.
const TINY_WEIGHTS = 423_168;

describe('the memory facts of a GGUF header', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'memory-estimate-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads layers, heads, head sizes, context, vocabulary and the tensor data size of the tiny llama', async () => {
    const { path } = writeTinyLlamaGguf(join(dir, 'tiny.gguf'), { seed: 1 });
    expect(await readGgufMemoryFacts([path])).toEqual({
      weightsBytes: TINY_WEIGHTS,
      layers: 2,
      embedding: 64,
      heads: 4,
      kvHeads: [4, 4],
      keyLength: 16,
      valueLength: 16,
      contextLength: 512,
      vocabSize: 184,
    });
  });

  it('adds the tensor data of every shard of a split model', async () => {
    const first = join(dir, 'split-00001-of-00002.gguf');
    writeTinyLlamaGguf(first, { seed: 2 });
    copyFileSync(first, join(dir, 'split-00002-of-00002.gguf'));
    const facts = await readGgufMemoryFacts([first, join(dir, 'split-00002-of-00002.gguf')]);
    expect(facts?.weightsBytes).toBe(2 * TINY_WEIGHTS);
  });

  it('is null for a file that is not GGUF', async () => {
    const { writeFileSync } = await import('node:fs');
    const junk = join(dir, 'junk.gguf');
    writeFileSync(junk, 'not a model\n');
    expect(await readGgufMemoryFacts([junk])).toBeNull();
  });
});

const TINY: GgufMemoryFacts = {
  weightsBytes: TINY_WEIGHTS,
  layers: 2,
  embedding: 64,
  heads: 4,
  kvHeads: [4, 4],
  keyLength: 16,
  valueLength: 16,
  contextLength: 512,
  vocabSize: 184,
};

/** Llama 3.1 8B at Q4_K_M: 32 layers, 32 heads, 8 KV heads of 128, 128 Ki training context. */
const LLAMA8B: GgufMemoryFacts = {
  weightsBytes: 4_920_000_000,
  layers: 32,
  embedding: 4096,
  heads: 32,
  kvHeads: Array.from({ length: 32 }, () => 8),
  keyLength: 128,
  valueLength: 128,
  contextLength: 131_072,
  vocabSize: 128_256,
};

describe('the llama-server memory estimate', () => {
  it('is weights + f16 KV cache + compute buffer + base for the tiny llama at -c 512', () => {
    const est = estimateLlamaMemory(TINY, { ctxSize: 512 });
    // KV: 512 tokens × 2 layers × 4 heads × (16 × 2 + 16 × 2) bytes = 262 144
    // compute: 4 bytes × 512 (micro-batch) × (184 + 4 × 64) = 901 120 of activations, and the
    // f32 mask of 512 tokens × 512 = 1 048 576
    expect(est.breakdown).toEqual({
      weights_bytes: TINY_WEIGHTS,
      kv_cache_bytes: 262_144,
      compute_bytes: 1_949_696,
      overhead_bytes: LLAMA_SERVER_BASE_BYTES,
    });
    expect(est.total_bytes).toBe(TINY_WEIGHTS + 262_144 + 1_949_696 + LLAMA_SERVER_BASE_BYTES);
    expect(est.context_size).toBe(512);
  });

  it('sizes the KV cache by the cache types: q8_0 is 34 bytes per 32 values, q4_0 18', () => {
    expect(
      estimateLlamaMemory(TINY, { ctxSize: 512, cacheTypeK: 'q8_0', cacheTypeV: 'q8_0' }).breakdown
        .kv_cache_bytes,
    ).toBe(512 * 2 * 4 * (16 * (34 / 32) * 2));
    expect(
      estimateLlamaMemory(TINY, { ctxSize: 512, cacheTypeK: 'q8_0', cacheTypeV: 'q4_0' }).breakdown
        .kv_cache_bytes,
    ).toBe(512 * 2 * 4 * (17 + 9));
  });

  it('uses the training context when -c is 0 or absent, as llama-server does', () => {
    // 131 072 × 32 layers × 8 heads × (128 × 2 + 128 × 2) bytes = 16 GiB
    expect(estimateLlamaMemory(LLAMA8B, {}).breakdown.kv_cache_bytes).toBe(16 * GIB);
    expect(estimateLlamaMemory(LLAMA8B, { ctxSize: 0 }).context_size).toBe(131_072);
    // -c 8192: 1 GiB
    expect(estimateLlamaMemory(LLAMA8B, { ctxSize: 8192 }).breakdown.kv_cache_bytes).toBe(GIB);
  });

  it('does not multiply the cache by the slots; --kv-unified-per-slot without -c does', () => {
    const one = estimateLlamaMemory(LLAMA8B, { ctxSize: 8192, parallel: 1 });
    expect(estimateLlamaMemory(LLAMA8B, { ctxSize: 8192, parallel: 8 }).total_bytes).toBe(
      one.total_bytes,
    );
    expect(estimateLlamaMemory(LLAMA8B, { kvUnifiedPerSlot: 4096, parallel: 2 }).context_size).toBe(
      8192,
    );
    // auto slots (-np -1) are 4
    expect(estimateLlamaMemory(LLAMA8B, { kvUnifiedPerSlot: 4096 }).context_size).toBe(16_384);
  });

  it('counts per-layer KV heads, so layers without attention add nothing', () => {
    const hybrid = { ...TINY, kvHeads: [4, 0] };
    expect(estimateLlamaMemory(hybrid, { ctxSize: 512 }).breakdown.kv_cache_bytes).toBe(131_072);
  });

  it('adds the attention scores to the compute buffer when flash attention is off', () => {
    const auto = estimateLlamaMemory(TINY, { ctxSize: 512 }).breakdown.compute_bytes;
    const off = estimateLlamaMemory(TINY, { ctxSize: 512, flashAttn: 'off' }).breakdown
      .compute_bytes;
    expect(off - auto).toBe(4 * 512 * 512 * 4);
  });

  it('adds a multimodal projector to the weights', () => {
    expect(
      estimateLlamaMemory(TINY, { ctxSize: 512, extraBytes: 1000 }).breakdown.weights_bytes,
    ).toBe(TINY_WEIGHTS + 1000);
  });
});

describe('placing an estimate and judging it', () => {
  const est = estimateLlamaMemory(LLAMA8B, { ctxSize: 8192 });
  const noGpu = { ram_bytes: 32 * GIB, vram_bytes: null };

  it('puts everything in system memory without a known GPU or with -ngl 0', () => {
    expect(placeEstimate(est, {}, noGpu)).toEqual({ ram_bytes: est.total_bytes, vram_bytes: 0 });
    expect(placeEstimate(est, { gpuLayers: 0 }, { ram_bytes: GIB, vram_bytes: 24 * GIB })).toEqual({
      ram_bytes: est.total_bytes,
      vram_bytes: 0,
    });
  });

  it('puts -ngl N of the layers and the compute buffer on the GPU', () => {
    const half = placeEstimate(est, { gpuLayers: 16 }, { ram_bytes: GIB, vram_bytes: 24 * GIB });
    const b = est.breakdown;
    expect(half.vram_bytes).toBe(
      Math.round((b.weights_bytes + b.kv_cache_bytes) / 2) + b.compute_bytes,
    );
    expect(half.ram_bytes + half.vram_bytes).toBe(est.total_bytes);
  });

  it('with -ngl auto fills the free GPU memory and leaves the rest in system memory', () => {
    const p = placeEstimate(est, { gpuLayers: 'auto' }, { ram_bytes: 8 * GIB, vram_bytes: GIB });
    expect(p.vram_bytes).toBe(GIB);
    expect(p.ram_bytes).toBe(est.total_bytes - GIB);
  });

  it('judges with the starter thresholds: fits up to 75 %, tight up to 100 %, then won’t fit', () => {
    const need = { ram_bytes: 75, vram_bytes: 0 };
    expect(judgeMemory(need, { ram_bytes: 100, vram_bytes: null }).verdict).toBe('fits');
    expect(judgeMemory(need, { ram_bytes: 80, vram_bytes: null }).verdict).toBe('tight');
    expect(judgeMemory(need, { ram_bytes: 74, vram_bytes: null })).toEqual({
      verdict: 'wont_fit',
      memory: 'ram',
      needed_bytes: 75,
      free_bytes: 74,
    });
  });

  it('lets the GPU decide when its part does not fit', () => {
    expect(
      judgeMemory({ ram_bytes: 10, vram_bytes: 50 }, { ram_bytes: 100, vram_bytes: 40 }),
    ).toEqual({ verdict: 'wont_fit', memory: 'vram', needed_bytes: 50, free_bytes: 40 });
  });
});

describe('the memory options of backend_options', () => {
  it('reads the typed llama-server options that change memory', () => {
    expect(
      llamaMemoryOptions({
        ctx_size: 8192,
        cache_type_k: 'q8_0',
        cache_type_v: 'q4_0',
        gpu_layers: -1,
        flash_attn: 'off',
        parallel: 2,
        no_kv_offload: true,
      }),
    ).toMatchObject({
      ctxSize: 8192,
      cacheTypeK: 'q8_0',
      cacheTypeV: 'q4_0',
      gpuLayers: 'auto',
      flashAttn: 'off',
      parallel: 2,
      noKvOffload: true,
    });
    expect(llamaMemoryOptions({ gpu_layers: 'all' }).gpuLayers).toBe('all');
    expect(llamaMemoryOptions({}).ctxSize).toBeUndefined();
  });
});
