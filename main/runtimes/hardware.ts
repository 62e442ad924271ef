import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import type { GpuInfo, HardwareInfo } from '../../shared/api/runtimes';
import { recommendedVariant } from './assets';

const PCI_VENDORS: Record<string, GpuInfo['vendor']> = {
  '0x10de': 'nvidia',
  '0x1002': 'amd',
  '0x8086': 'intel',
};

export interface HardwareProbeOptions {
  platform?: NodeJS.Platform;
  arch?: string;
  /** root of /sys (tests point it at a fake tree) */
  sysRoot?: string;
  /** ask nvidia-smi for names and memory when an NVIDIA card is present */
  nvidiaSmi?: boolean;
}

function osName(p: NodeJS.Platform): HardwareInfo['os'] {
  if (p === 'darwin') return 'macos';
  if (p === 'linux') return 'linux';
  if (p === 'win32') return 'windows';
  return 'other';
}

/** PCI display devices from /sys/class/drm/card<N>/device/vendor (connectors like card0-HDMI-A-1 skipped). */
async function linuxGpus(sysRoot: string): Promise<GpuInfo[]> {
  const drm = join(sysRoot, 'class', 'drm');
  let names: string[];
  try {
    names = await readdir(drm);
  } catch {
    return [];
  }
  const out: GpuInfo[] = [];
  for (const n of names.filter((x) => /^card\d+$/.test(x)).sort()) {
    const vendor = await readFile(join(drm, n, 'device', 'vendor'), 'utf8').then(
      (t) => t.trim().toLowerCase(),
      () => '',
    );
    if (vendor) out.push({ vendor: PCI_VENDORS[vendor] ?? 'other' });
  }
  return out;
}

/** `nvidia-smi --query-gpu=name,memory.total`, or null when it is missing or fails. */
function nvidiaSmi(): Promise<GpuInfo[] | null> {
  return new Promise((resolve) => {
    execFile(
      'nvidia-smi',
      ['--query-gpu=name,memory.total', '--format=csv,noheader,nounits'],
      { timeout: 5000, windowsHide: true },
      (err, stdout) => {
        if (err) return resolve(null);
        const gpus = stdout
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean)
          .map((l) => {
            const [name, mib] = l.split(',').map((s) => s.trim());
            const mem = Number(mib);
            return {
              vendor: 'nvidia' as const,
              name,
              ...(Number.isFinite(mem) ? { memory_bytes: mem * 1024 * 1024 } : {}),
            };
          });
        resolve(gpus);
      },
    );
  });
}

/**
 * What the runtime manager needs to pick a build: OS, architecture, memory and GPUs (Linux: PCI
 * vendor ids, names from nvidia-smi when present; Apple Silicon: its integrated GPU). A working
 * llama-server's `--list-devices` says more; that is shown per runtime.
 */
export async function detectHardware(opts: HardwareProbeOptions = {}): Promise<HardwareInfo> {
  const platform = opts.platform ?? process.platform;
  const arch = opts.arch ?? process.arch;
  const os = osName(platform);
  let gpus: GpuInfo[] = [];
  if (os === 'macos' && arch === 'arm64') gpus = [{ vendor: 'apple', name: 'Apple Silicon GPU' }];
  if (os === 'linux') {
    gpus = await linuxGpus(opts.sysRoot ?? '/sys');
    if (opts.nvidiaSmi !== false && gpus.some((g) => g.vendor === 'nvidia')) {
      const named = await nvidiaSmi();
      if (named && named.length > 0)
        gpus = [...named, ...gpus.filter((g) => g.vendor !== 'nvidia')];
    }
  }
  const hw = { os, arch, memory_bytes: totalmem(), gpus };
  return { ...hw, recommended_variant: recommendedVariant(hw) };
}
