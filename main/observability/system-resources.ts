import os from 'node:os';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Logger } from '../logger';
import { nvidiaGpus, parseListDevices, type GpuInfo } from './gpu';

const execFileAsync = promisify(execFile);

export interface SystemResources {
  platform: NodeJS.Platform;
  arch: string;
  cpu: { count: number; model: string };
  memory: { total_bytes: number; available_bytes: number };
  gpus: GpuInfo[];
}

export interface SystemResourcesDeps {
  /** `llama-server --list-devices` of the configured llama.cpp command, or null when absent */
  listDevices(): Promise<string | null>;
  log: Logger;
}

/**
 * What the machine has: CPUs, memory that can still be used (Linux: MemAvailable, which
 * counts reclaimable page cache; elsewhere os.freemem()), and GPUs from nvidia-smi, from
 * llama-server's own device list, or Apple silicon's unified memory.
 */
export async function systemResources(d: SystemResourcesDeps): Promise<SystemResources> {
  const cpus = os.cpus();
  const memory = { total_bytes: os.totalmem(), available_bytes: await availableMemory() };
  const gpus: GpuInfo[] = await nvidiaGpus();
  if (gpus.length === 0) {
    const listed = await d.listDevices().catch((err: unknown) => {
      d.log.debug('llama-server --list-devices failed', { error: String(err) });
      return null;
    });
    if (listed) gpus.push(...parseListDevices(listed));
  }
  if (gpus.length === 0 && process.platform === 'darwin' && process.arch === 'arm64') {
    // Apple silicon: the GPU shares the machine's memory.
    gpus.push({
      source: 'unified-memory',
      name: cpus[0]?.model ?? 'Apple silicon',
      total_bytes: memory.total_bytes,
      free_bytes: memory.available_bytes,
    });
  }
  return {
    platform: process.platform,
    arch: process.arch,
    cpu: { count: cpus.length, model: cpus[0]?.model ?? 'unknown' },
    memory,
    gpus,
  };
}

/**
 * Memory that can still be used: Linux MemAvailable (counts reclaimable page cache); macOS
 * free + inactive + speculative + purgeable pages from `vm_stat` (os.freemem() there counts only
 * free pages, often a few hundred MB on a machine with gigabytes to give); else os.freemem().
 */
export async function availableMemory(): Promise<number> {
  if (process.platform === 'linux') {
    try {
      const m = /^MemAvailable:\s+(\d+) kB/m.exec(await readFile('/proc/meminfo', 'utf8'));
      if (m) return Number(m[1]) * 1024;
    } catch {
      // fall through
    }
  }
  if (process.platform === 'darwin') {
    try {
      const { stdout } = await execFileAsync('vm_stat', [], { timeout: 5000 });
      const bytes = parseVmStat(stdout);
      if (bytes !== null) return bytes;
    } catch {
      // fall through
    }
  }
  return os.freemem();
}

/** Available bytes from macOS `vm_stat` output; null when it does not parse. */
export function parseVmStat(text: string): number | null {
  const page = /page size of (\d+) bytes/.exec(text);
  if (!page) return null;
  const pages = (name: string) => {
    const m = new RegExp(`^Pages ${name}:\\s+(\\d+)\\.?\\s*$`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  };
  const free = pages('free');
  if (free === 0 && !/^Pages free:/m.test(text)) return null;
  return (free + pages('inactive') + pages('speculative') + pages('purgeable')) * Number(page[1]);
}
