import type {
  Fit,
  StarterModel,
  StartersResponse,
  StarterQuantization,
} from '../../shared/api/library';
import type { HardwareInfo } from '../../shared/api/runtimes';
import list from './starter-models.json';

interface StarterData {
  id: string;
  name: string;
  repo: string;
  family: string;
  parameters: string;
  context_size: number;
  kv_mib_per_1k: number;
  vision: boolean;
  description: string;
  quantizations: Record<string, number>;
}

const MIB = 1024 * 1024;
/** llama-server's own buffers (compute graph, scratch) beyond weights and KV cache */
const OVERHEAD_BYTES = 300 * MIB;

/**
 * The memory a model may use: on Apple Silicon about 70% of the unified memory (Metal's default
 * working-set limit is roughly two thirds to three quarters), with a GPU whose memory is known
 * that memory, else 70% of the system RAM (the rest is the OS and other programs).
 */
export function memoryBudget(hw: HardwareInfo): {
  bytes: number;
  kind: StartersResponse['memory_kind'];
} {
  if (hw.os === 'macos' && hw.arch === 'arm64')
    return { bytes: Math.round(hw.memory_bytes * 0.7), kind: 'unified' };
  const gpu = Math.max(0, ...hw.gpus.map((g) => g.memory_bytes ?? 0));
  if (gpu > 0) return { bytes: gpu, kind: 'gpu' };
  return { bytes: Math.round(hw.memory_bytes * 0.7), kind: 'system' };
}

/** fits: room to spare; tight: under the budget but not by much; won't fit: over it. */
export function fitOf(needed: number, budget: number): Fit {
  if (needed <= budget * 0.75) return 'fits';
  if (needed <= budget) return 'tight';
  return 'wont_fit';
}

/** Weights + KV cache at the context size + overhead. */
export function neededBytes(fileBytes: number, kvMibPer1k: number, context: number): number {
  return fileBytes + Math.round((kvMibPer1k * MIB * context) / 1024) + OVERHEAD_BYTES;
}

/** The starter list (data in starter-models.json), each marked for this machine. */
export function starters(hw: HardwareInfo): StartersResponse {
  const budget = memoryBudget(hw);
  const models: StarterModel[] = (list.models as StarterData[]).map((m) => {
    const quantizations: StarterQuantization[] = Object.entries(m.quantizations)
      .map(([tag, size]) => {
        const needed = neededBytes(size, m.kv_mib_per_1k, m.context_size);
        return { tag, size_bytes: size, needed_bytes: needed, fit: fitOf(needed, budget.bytes) };
      })
      .sort((a, b) => a.size_bytes - b.size_bytes);
    // Q4_K_M is the usual sweet spot; a larger quant only when it fits with room to spare.
    const pick =
      [...quantizations].reverse().find((q) => q.fit === 'fits' && q.tag === 'Q8_0') ??
      quantizations.find((q) => q.tag === 'Q4_K_M') ??
      quantizations[0];
    return {
      id: m.id,
      name: m.name,
      repo: m.repo,
      family: m.family,
      parameters: m.parameters,
      context_size: m.context_size,
      description: m.description,
      vision: m.vision,
      quantizations,
      recommended: pick.tag,
      fit: pick.fit,
    };
  });
  return { version: list.version, memory_bytes: budget.bytes, memory_kind: budget.kind, models };
}
