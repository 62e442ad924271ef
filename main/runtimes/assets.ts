import type { HardwareInfo, RuntimeAsset, RuntimeVariant } from '../../shared/api/runtimes';

/** The parts of a GitHub release asset we use (GitHub's REST shape). */
export interface GithubAsset {
  name: string;
  size: number;
  browser_download_url: string;
  digest?: string | null;
}

export interface GithubRelease {
  tag_name: string;
  name?: string | null;
  published_at?: string | null;
  prerelease?: boolean;
  draft?: boolean;
  html_url?: string;
  assets: GithubAsset[];
}

export interface ParsedAssetName {
  tag: string;
  os: 'macos' | 'linux' | 'windows';
  arch: string;
  variant: RuntimeVariant;
  format: 'tar.gz' | 'zip';
}

const OS: Record<string, ParsedAssetName['os']> = {
  macos: 'macos',
  ubuntu: 'linux',
  linux: 'linux',
  win: 'windows',
};
const ARCH: Record<string, string> = { x64: 'x64', arm64: 'arm64', aarch64: 'arm64' };

/**
 * `llama-b<N>-bin-<platform>-[<variant>-]<arch>.<tar.gz|zip>`, e.g. `llama-b6123-bin-macos-arm64.tar.gz`
 * (Metal is built in), `-ubuntu-vulkan-x64.tar.gz`, `-win-cuda-12.4-x64.zip`. Builds we do not
 * offer (ROCm, SYCL, OpenVINO, s390x, other distributions) give null.
 */
export function parseAssetName(name: string): ParsedAssetName | null {
  const m = /^llama-(b\d+)-bin-([a-z]+)-([a-z0-9.-]+)\.(tar\.gz|zip)$/i.exec(name);
  if (!m) return null;
  const os = OS[m[2].toLowerCase()];
  if (!os) return null;
  const tokens = m[3].toLowerCase().split('-');
  const arch = ARCH[tokens.pop() ?? ''];
  if (!arch) return null;
  let variant: RuntimeVariant | null;
  if (tokens.length === 0) variant = os === 'macos' && arch === 'arm64' ? 'metal' : 'cpu';
  else if (tokens[0] === 'cpu' && tokens.length === 1) variant = 'cpu';
  else if (tokens[0] === 'vulkan' && tokens.length === 1) variant = 'vulkan';
  else if (tokens[0] === 'cuda') variant = 'cuda';
  else variant = null;
  if (!variant) return null;
  return { tag: m[1], os, arch, variant, format: m[4].toLowerCase() as 'tar.gz' | 'zip' };
}

/**
 * The assets of a release for this OS and architecture, one per variant. When a release has two
 * builds of one variant (CUDA 12 and 13 on Windows), the first listed wins; `.tar.gz` is preferred
 * over `.zip` (older releases used zip for everything).
 */
export function assetsFor(
  release: GithubRelease,
  hw: Pick<HardwareInfo, 'os' | 'arch'>,
): RuntimeAsset[] {
  const byVariant = new Map<RuntimeVariant, { asset: RuntimeAsset; format: string }>();
  for (const a of release.assets ?? []) {
    const p = parseAssetName(a.name);
    if (!p || p.os !== hw.os || p.arch !== hw.arch) continue;
    const prev = byVariant.get(p.variant);
    if (prev && !(prev.format === 'zip' && p.format === 'tar.gz')) continue;
    byVariant.set(p.variant, {
      format: p.format,
      asset: {
        name: a.name,
        size: a.size,
        url: a.browser_download_url,
        ...(a.digest ? { digest: a.digest } : {}),
        variant: p.variant,
      },
    });
  }
  const order: RuntimeVariant[] = ['metal', 'cuda', 'vulkan', 'cpu'];
  return order.flatMap((v) => (byVariant.has(v) ? [byVariant.get(v)!.asset] : []));
}

/**
 * The asset to install: the requested variant, else the recommended one; when the recommended one
 * is not offered, CUDA falls back to Vulkan (it runs on NVIDIA cards too), then to the CPU build.
 * An explicitly requested variant that is not offered gives null.
 */
export function pickAsset(
  assets: readonly RuntimeAsset[],
  recommended: RuntimeVariant,
  requested?: RuntimeVariant,
): RuntimeAsset | null {
  const find = (v: RuntimeVariant) => assets.find((a) => a.variant === v) ?? null;
  if (requested) return find(requested);
  const chain: RuntimeVariant[] =
    recommended === 'cuda' ? ['cuda', 'vulkan', 'cpu'] : [recommended, 'cpu'];
  for (const v of chain) {
    const a = find(v);
    if (a) return a;
  }
  return null;
}

/** The variant that suits a machine: Metal on Apple Silicon, a GPU API where a GPU was seen. */
export function recommendedVariant(hw: Pick<HardwareInfo, 'os' | 'arch' | 'gpus'>): RuntimeVariant {
  if (hw.os === 'macos') return hw.arch === 'arm64' ? 'metal' : 'cpu';
  if (hw.gpus.some((g) => g.vendor === 'nvidia')) return 'cuda';
  if (hw.gpus.some((g) => g.vendor === 'amd' || g.vendor === 'intel')) return 'vulkan';
  return 'cpu';
}

/** "sha256:<64 hex>" -> the hex, or null for any other algorithm or shape. */
export function sha256FromDigest(digest: string | undefined | null): string | null {
  const m = /^sha256:([0-9a-f]{64})$/i.exec(digest ?? '');
  return m ? m[1].toLowerCase() : null;
}

/** Release tags are `b<N>`; larger N is newer. */
export function buildNumber(tag: string): number | null {
  const m = /^b(\d+)$/.exec(tag);
  return m ? Number(m[1]) : null;
}
