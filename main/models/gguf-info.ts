import { ggufLibrary } from './gguf-library';
import { stat } from 'node:fs/promises';
import type { GgufInfo } from '../../shared/api/models';

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
