/** llama.cpp runtimes: shapes of /api/v1/runtimes/*. */
import type { JobProgress, JobStatus } from './models';
import type { ConfigSourceName } from './settings';

export const RUNTIME_VARIANTS = ['cpu', 'vulkan', 'cuda', 'metal'] as const;
export type RuntimeVariant = (typeof RUNTIME_VARIANTS)[number];

/** Where a llama-server was found. */
export type RuntimeSource = 'configured' | 'path' | 'homebrew' | 'local-bin' | 'app';

export interface RuntimeInfo {
  /** the executable (resolved through links) */
  path: string;
  /** every place it was found, e.g. ["configured", "path"] */
  sources: RuntimeSource[];
  /** `--version`'s first line, e.g. "version: 6123 (a1b2c3d)" */
  version?: string;
  /** the build number as a release tag, e.g. "b6123", when the version says */
  build?: string;
  /** devices from `--list-devices` ("Vulkan0: NVIDIA GeForce RTX 3060 (12288 MiB, 11000 MiB free)") */
  devices: string[];
  /** why the binary did not answer `--version` (missing library, wrong architecture, ...) */
  error?: string;
  /** installed by the app: its release tag and variant */
  tag?: string;
  variant?: RuntimeVariant;
  /** Unix seconds */
  installed_at?: number;
  /** this is the command new instance starts use */
  default: boolean;
}

export interface GpuInfo {
  vendor: 'nvidia' | 'amd' | 'intel' | 'apple' | 'other';
  name?: string;
  memory_bytes?: number;
}

export interface HardwareInfo {
  os: 'macos' | 'linux' | 'windows' | 'other';
  arch: string;
  memory_bytes: number;
  gpus: GpuInfo[];
  /** the build variant that suits this machine */
  recommended_variant: RuntimeVariant;
}

/** `GET /api/v1/runtimes`. */
export interface RuntimesResponse {
  /** the llama-server command new instances use, where that setting comes from */
  default: {
    command: string;
    source: ConfigSourceName;
    /** the executable it resolves to, or null when it cannot be found */
    path: string | null;
  };
  runtimes: RuntimeInfo[];
  hardware: HardwareInfo;
}

export interface RuntimeAsset {
  name: string;
  size: number;
  url: string;
  /** "sha256:<hex>" as GitHub reports it; assets without one cannot be installed */
  digest?: string;
  variant: RuntimeVariant;
}

export interface RuntimeRelease {
  tag: string;
  name: string;
  /** ISO time */
  published_at: string;
  prerelease: boolean;
  html_url?: string;
  /** the assets for this OS and architecture, one per variant */
  assets: RuntimeAsset[];
  /** the asset for the recommended variant (or the CPU build when that variant is not offered) */
  asset: RuntimeAsset | null;
  /** variants of this release installed by the app */
  installed: RuntimeVariant[];
}

/** `GET /api/v1/runtimes/llama-cpp/releases`. */
export interface ReleasesResponse {
  releases: RuntimeRelease[];
  /** the latest release's tag */
  latest: string | null;
  recommended_variant: RuntimeVariant;
  /** the newest release installed by the app */
  installed_latest: string | null;
  /** a newer release than any installed one exists */
  update_available: boolean;
  /** a hint about this machine's builds (e.g. why CUDA is not offered on Linux) */
  note?: string;
}

export type RuntimeInstallPhase = 'download' | 'verify' | 'unpack' | 'check' | 'done';

/**
 * A runtime install, listed with the download jobs (`GET /api/v1/models/jobs`) and sent on the
 * event stream as a `job` event. Model downloads carry no `kind`.
 */
export interface RuntimeJob {
  id: string;
  kind: 'runtime';
  /** "ggml-org/llama.cpp" */
  repo: string;
  /** the release tag */
  tag: string;
  variant: RuntimeVariant;
  asset: string;
  status: JobStatus;
  phase: RuntimeInstallPhase;
  progress: JobProgress;
  error?: string;
  /** Unix seconds */
  created_at: number;
  completed_at?: number;
  /** the installed llama-server, once done */
  path?: string;
}

/** `POST /api/v1/runtimes/llama-cpp/install` response (202). */
export interface RuntimeInstallAccepted {
  job_id: string;
  tag: string;
  variant: RuntimeVariant;
}
