import { ggufLibrary } from './gguf-library';
import { stat } from 'node:fs/promises';
import type { GgufInfo } from '../../shared/api/models';
import type { GgufMemoryFacts } from './memory-estimate';

/**
 * GGUF header facts for the model list. The library reads only the header (ranged reads of the
 * local file), and results are cached by path, size and mtime, so listing stays cheap.
 */
const cache = new Map<string, { key: string; info: GgufInfo }>();

async function readOne(
  path: string,
): Promise<{ metadata: Record<string, unknown>; parameterCount: number }> {
  const out = await ggufLibrary().gguf(path, {
    allowLocalFile: true,
    computeParametersCount: true,
  });
  return {
    metadata: out.metadata as unknown as Record<string, unknown>,
    parameterCount: out.parameterCount,
  };
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

/** Facts from the first shard's header; the parameter count sums every shard. Never throws. */
export async function readGgufInfo(parts: string[]): Promise<GgufInfo | undefined> {
  if (parts.length === 0) return undefined;
  try {
    const stats = await Promise.all(parts.map((p) => stat(p)));
    const key = stats.map((s) => `${s.size}:${s.mtimeMs}`).join('|');
    const hit = cache.get(parts[0]);
    if (hit && hit.key === key) return hit.info;
    const heads = await Promise.all(parts.map(readOne));
    const meta = heads[0].metadata;
    const arch =
      typeof meta['general.architecture'] === 'string'
        ? (meta['general.architecture'] as string)
        : undefined;
    const fileType = num(meta['general.file_type']);
    const info: GgufInfo = {};
    if (arch) info.architecture = arch;
    info.parameter_count = heads.reduce((n, h) => n + h.parameterCount, 0);
    const quant =
      fileType !== undefined ? ggufLibrary().GGMLFileQuantizationType[fileType] : undefined;
    info.quantization = quant ?? ggufLibrary().parseGGUFQuantLabel(parts[0]);
    const ctx = arch ? num(meta[`${arch}.context_length`]) : undefined;
    if (ctx !== undefined) info.context_length = ctx;
    cache.set(parts[0], { key, info });
    return info;
  } catch {
    return undefined;
  }
}

const memoryCache = new Map<string, { key: string; facts: GgufMemoryFacts | null }>();

/** A per-layer value: one number for every layer, or an array with one per layer. */
function perLayer(v: unknown, layers: number): number[] | undefined {
  if (Array.isArray(v)) {
    const out = v.map(num);
    return out.every((n) => n !== undefined) ? (out as number[]) : undefined;
  }
  const n = num(v);
  return n === undefined ? undefined : Array.from({ length: layers }, () => n);
}

/**
 * The header facts a memory estimate needs (main/models/memory-estimate.ts), from a model and its
 * shards: weights are each file's size minus its header (the tensor data). Null when the files
 * are not GGUF or lack the attention facts. Cached by path, size and mtime.
 */
export async function readGgufMemoryFacts(parts: string[]): Promise<GgufMemoryFacts | null> {
  if (parts.length === 0) return null;
  let stats;
  try {
    stats = await Promise.all(parts.map((p) => stat(p)));
  } catch {
    return null;
  }
  const key = stats.map((s) => `${s.size}:${s.mtimeMs}`).join('|');
  const hit = memoryCache.get(parts.join('|'));
  if (hit && hit.key === key) return hit.facts;
  let facts: GgufMemoryFacts | null = null;
  try {
    const files = await Promise.all(
      parts.map((p) => ggufLibrary().gguf(p, { allowLocalFile: true })),
    );
    const meta = files[0]!.metadata as unknown as Record<string, unknown>;
    const arch = meta['general.architecture'];
    if (typeof arch === 'string') {
      const at = (k: string) => meta[`${arch}.${k}`];
      const layers = num(at('block_count'));
      const embedding = num(at('embedding_length'));
      const headCounts = layers !== undefined ? perLayer(at('attention.head_count'), layers) : [];
      const heads = Math.max(0, ...(headCounts ?? []));
      const kvHeads =
        layers !== undefined
          ? (perLayer(at('attention.head_count_kv'), layers) ?? headCounts)
          : undefined;
      const tokens = meta['tokenizer.ggml.tokens'];
      const vocab = Array.isArray(tokens) ? tokens.length : (num(at('vocab_size')) ?? 0);
      if (layers !== undefined && embedding !== undefined && kvHeads && heads > 0) {
        const headDim = embedding / heads;
        facts = {
          weightsBytes: stats.reduce(
            (sum, s, i) => sum + s.size - Number(files[i]!.tensorDataOffset),
            0,
          ),
          layers,
          embedding,
          heads,
          kvHeads,
          keyLength: num(at('attention.key_length')) ?? headDim,
          valueLength: num(at('attention.value_length')) ?? headDim,
          contextLength: num(at('context_length')) ?? null,
          vocabSize: vocab,
        };
      }
    }
  } catch {
    facts = null;
  }
  memoryCache.set(parts.join('|'), { key, facts });
  return facts;
}
