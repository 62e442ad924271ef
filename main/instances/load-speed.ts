import { statSync } from 'node:fs';
import type { InstanceOptions } from '../../shared/api/instances';

/**
 * How fast this machine loads models, from the last start that became ready: the model file's
 * size over the time from spawn to ready. A start that is still loading can then say how long
 * it will take (Retry-After on a cold-start timeout) instead of only how long we waited.
 */
export class LoadSpeed {
  private bytesPerMs: number | null = null;

  record(modelBytes: number, loadMs: number): void {
    if (modelBytes > 0 && loadMs > 0) this.bytesPerMs = modelBytes / loadMs;
  }

  /** Seconds still to go for a model of `modelBytes` loading for `elapsedMs`; null: unknown. */
  remainingSeconds(modelBytes: number | null, elapsedMs: number): number | null {
    if (modelBytes === null || this.bytesPerMs === null) return null;
    return Math.max(1, Math.ceil((modelBytes / this.bytesPerMs - elapsedMs) / 1000));
  }
}

/** The size of a local llama.cpp model file (null: another backend, docker, or unreadable). */
export function modelFileBytes(options: InstanceOptions): number | null {
  const model = options.backend_options?.model;
  if (options.backend_type !== 'llama_cpp' || typeof model !== 'string') return null;
  if (options.docker_enabled) return null;
  try {
    const { size } = statSync(model);
    return size > 0 ? size : null;
  } catch {
    return null;
  }
}
