import type { InstanceOptions } from '../../../shared/api/instances';
import type { LocalModel, StarterModel } from '../../../shared/api/library';
import type { RuntimesResponse } from '../../../shared/api/runtimes';
import { instanceNameFor } from '../models/local';

const GiB = 1024 ** 3;

/** The model the guide will serve: a file on disk, maybe found for a starter. */
export interface GuideModel {
  local: LocalModel;
  starter?: StarterModel;
}

/** A GPU the runtime can use: one it lists with --list-devices, or one the machine reports. */
export function hasGpu(runtimes: RuntimesResponse | undefined): boolean {
  if (!runtimes) return false;
  const def = runtimes.runtimes.find((r) => r.default);
  if (def && def.devices.length > 0) return true;
  return runtimes.hardware.gpus.length > 0 && runtimes.hardware.recommended_variant !== 'cpu';
}

/**
 * A context size that fits: the starter's (its fit was computed for it); for other files the
 * model's trained context capped at 8192, and 4096 (2048 when memory is very short) when what
 * is left after the weights is small. Never more than the model was trained for.
 */
export function contextSizeFor(m: GuideModel, memoryBytes: number): number {
  const trained = m.local.gguf?.context_length;
  if (m.starter)
    return trained ? Math.min(m.starter.context_size, trained) : m.starter.context_size;
  const left = memoryBytes - m.local.size_bytes;
  let ctx = left < 2 * GiB ? 2048 : left < 6 * GiB ? 4096 : 8192;
  if (trained) ctx = Math.min(ctx, trained);
  return ctx;
}

/** Options for the guide's instance: the file, its mmproj, a context that fits, GPU layers on a GPU. */
export function guideInstance(
  m: GuideModel,
  runtimes: RuntimesResponse | undefined,
): { name: string; options: Partial<InstanceOptions> } {
  const memory = runtimes?.hardware.memory_bytes ?? 8 * GiB;
  return {
    name: m.starter ? m.starter.id : instanceNameFor(m.local.name),
    options: {
      backend_type: 'llama_cpp',
      backend_options: {
        model: m.local.path,
        ...(m.local.mmproj ? { mmproj: m.local.mmproj } : {}),
        ctx_size: contextSizeFor(m, memory),
        gpu_layers: hasGpu(runtimes) ? 999 : 0,
      },
    },
  };
}

/** The downloaded file of a starter: a local file from its repo with its quantization. */
export function starterFile(
  starter: StarterModel,
  tag: string,
  local: LocalModel[] | undefined,
): LocalModel | undefined {
  const t = tag.toLowerCase();
  return local?.find(
    (m) =>
      m.repo?.toLowerCase() === starter.repo.toLowerCase() &&
      (m.gguf?.quantization?.toLowerCase() === t || m.name.toLowerCase().includes(t)),
  );
}
