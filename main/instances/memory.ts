import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { InstanceOptions } from '../../shared/api/instances';
import { usesDocker } from '../backends/command';
import type { AppConfig } from '../config/schema';
import { readGgufMemoryFacts } from '../models/gguf-info';
import {
  estimateLlamaMemory,
  llamaMemoryOptions,
  type FreeMemory,
  type LlamaMemoryOptions,
  type MemoryEstimate,
} from '../models/memory-estimate';
import { nvidiaGpus } from '../observability/gpu';
import { availableMemory } from '../observability/system-resources';

/**
 * Where "free memory" comes from: the machine by default, a fake in tests (Services'
 * `memory` option), so a start can be refused or allowed without filling the machine.
 */
export interface MemorySource {
  free(): Promise<FreeMemory>;
}

/**
 * The machine: available system memory (availableMemory: Linux MemAvailable, macOS vm_stat) and the
 * free memory of NVIDIA GPUs from nvidia-smi. On Apple silicon the GPU shares system memory, so
 * only system memory counts. Other GPUs (Vulkan, ROCm) are not asked: their instances are judged
 * against system memory alone.
 */
export const MACHINE_MEMORY: MemorySource = {
  async free() {
    const ram = await availableMemory();
    const gpus = await nvidiaGpus();
    const known = gpus.filter((g) => g.free_bytes !== null);
    return {
      ram_bytes: ram,
      vram_bytes: known.length ? known.reduce((s, g) => s + g.free_bytes!, 0) : null,
    };
  },
};

export type InstanceEstimate =
  | { estimate: MemoryEstimate; options: LlamaMemoryOptions; reason?: undefined }
  | { estimate: null; reason: string };

/** All shards of a split model (`name-00001-of-00003.gguf`), else the file itself. */
function modelParts(model: string): string[] {
  const m = /^(.*)-\d{5}-of-(\d{5})\.gguf$/i.exec(basename(model));
  if (!m) return [model];
  const dir = dirname(model);
  try {
    return readdirSync(dir)
      .filter((f) => f.startsWith(`${m[1]}-`) && f.toLowerCase().endsWith(`-of-${m[2]}.gguf`))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    return [model];
  }
}

const fileSize = (path: unknown): number => {
  if (typeof path !== 'string' || path === '') return 0;
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

/**
 * The memory an instance would need, from its model's GGUF header and its options. Only local
 * llama.cpp instances with a local model file are estimated: MLX and vLLM (no GGUF), Docker
 * (the container's memory is its own), other nodes (judged there), router mode (`models_dir`:
 * each model is its own process, loaded later) and models fetched at start (`hf_repo`,
 * `model_url`) get a reason instead.
 */
export async function estimateInstance(
  options: InstanceOptions,
  config: AppConfig,
): Promise<InstanceEstimate> {
  if (options.backend_type !== 'llama_cpp')
    return { estimate: null, reason: `not estimated for ${options.backend_type} instances` };
  if (options.nodes?.length && !options.nodes.includes(config.local_node))
    return { estimate: null, reason: `runs on node ${options.nodes[0]}` };
  if (usesDocker(options.backend_type, options, config))
    return { estimate: null, reason: 'not estimated for instances in Docker' };
  const bo = options.backend_options ?? {};
  const model = bo.model;
  if (typeof model !== 'string' || model === '')
    return { estimate: null, reason: 'no local model file (models_dir, hf_repo or model_url)' };
  const facts = await readGgufMemoryFacts(modelParts(model));
  if (!facts) return { estimate: null, reason: `cannot read a GGUF header from ${model}` };
  const o = { ...llamaMemoryOptions(bo), extraBytes: fileSize(bo.mmproj) };
  return { estimate: estimateLlamaMemory(facts, o), options: o };
}
