import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const MIB = 1024 * 1024;

export interface GpuInfo {
  /** where the figure comes from */
  source: 'nvidia-smi' | 'llama-server' | 'unified-memory';
  name: string;
  total_bytes: number | null;
  free_bytes: number | null;
}

/** Whether nvidia-smi answered last time; it is not asked again for a minute after it failed. */
let nvidiaMissingUntil = 0;

async function nvidiaSmi(args: string[]): Promise<string | null> {
  if (Date.now() < nvidiaMissingUntil) return null;
  try {
    const { stdout } = await execFileAsync('nvidia-smi', args, { timeout: 5000 });
    return stdout;
  } catch {
    nvidiaMissingUntil = Date.now() + 60_000;
    return null;
  }
}

/** GPU memory per pid from `nvidia-smi --query-compute-apps` (empty without NVIDIA's driver). */
export async function nvidiaProcessMemory(): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  const text = await nvidiaSmi([
    '--query-compute-apps=pid,used_memory',
    '--format=csv,noheader,nounits',
  ]);
  for (const line of (text ?? '').split('\n')) {
    const [pid, mib] = line.split(',').map((s) => Number(s.trim()));
    if (Number.isFinite(pid) && Number.isFinite(mib))
      out.set(pid!, (out.get(pid!) ?? 0) + mib! * MIB);
  }
  return out;
}

/** Every NVIDIA GPU with its memory, from nvidia-smi. */
export async function nvidiaGpus(): Promise<GpuInfo[]> {
  const text = await nvidiaSmi([
    '--query-gpu=name,memory.total,memory.free',
    '--format=csv,noheader,nounits',
  ]);
  return parseNvidiaGpus(text ?? '');
}

export function parseNvidiaGpus(text: string): GpuInfo[] {
  const out: GpuInfo[] = [];
  for (const line of text.split('\n')) {
    const cols = line.split(',').map((s) => s.trim());
    if (cols.length < 3 || !cols[0]) continue;
    const total = Number(cols[1]);
    const free = Number(cols[2]);
    out.push({
      source: 'nvidia-smi',
      name: cols[0],
      total_bytes: Number.isFinite(total) ? total * MIB : null,
      free_bytes: Number.isFinite(free) ? free * MIB : null,
    });
  }
  return out;
}

/**
 * The devices of `llama-server --list-devices`: lines like
 * `  Vulkan0: NVIDIA GeForce RTX 3090 (24576 MiB, 23800 MiB free)`; `  (none)` without a GPU.
 */
export function parseListDevices(text: string): GpuInfo[] {
  const out: GpuInfo[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s+([^:\s]+):\s+(.+?)\s+\((\d+) MiB, (\d+) MiB free\)\s*$/.exec(line);
    if (!m) continue;
    out.push({
      source: 'llama-server',
      name: `${m[2]} (${m[1]})`,
      total_bytes: Number(m[3]) * MIB,
      free_bytes: Number(m[4]) * MIB,
    });
  }
  return out;
}
