import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import {
  access,
  chmod,
  constants,
  mkdir,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  rmdir,
  stat,
  writeFile,
} from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ACTIVE_JOB_STATUSES } from '../../shared/api/models';
import {
  RUNTIME_VARIANTS,
  type HardwareInfo,
  type ReleasesResponse,
  type RuntimeInfo,
  type RuntimeInstallAccepted,
  type RuntimeJob,
  type RuntimeRelease,
  type RuntimeSource,
  type RuntimeVariant,
  type RuntimesResponse,
} from '../../shared/api/runtimes';
import { AppError } from '../../shared/errors';
import { runtimeLibraryEnv, runtimesRoot } from '../backends/runtime-env';
import type { AppConfig } from '../config/schema';
import type { EventBus } from '../events/bus';
import type { Logger } from '../logger';
import type { SettingsService } from '../settings/settings-service';
import { ArchiveError, unpackArchive } from './archive';
import { assetsFor, buildNumber, pickAsset, sha256FromDigest, type GithubRelease } from './assets';
import { detectHardware } from './hardware';
import { parseDevices, parseVersion, probe } from './probe';
import { ReleasesClient } from './releases';

const SERVER_NAMES = process.platform === 'win32' ? ['llama-server.exe'] : ['llama-server'];
const MANIFEST = 'runtime.json';
const PUBLISH_INTERVAL_MS = 250;
/** a download that delivers no byte for this long fails */
const STALL_MS = 60_000;

/** `runtime.json`, written into a runtime's folder as the last step of an install. */
interface Manifest {
  tag: string;
  variant: RuntimeVariant;
  asset: string;
  digest: string;
  /** llama-server's path inside the folder */
  server: string;
  version?: string;
  /** Unix seconds */
  installed_at: number;
}

interface Installed extends Manifest {
  dir: string;
  serverPath: string;
}

export interface RuntimeServiceDeps {
  config: AppConfig;
  settings: SettingsService;
  events: EventBus;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  home?: string;
  /** the machine's hardware (tests pass a fixed answer) */
  hardware?: () => Promise<HardwareInfo>;
  /** folders where package managers put llama-server; tests replace them */
  wellKnownDirs?: { dir: string; source: RuntimeSource }[];
}

interface ProbeCacheEntry {
  key: string;
  info: Pick<RuntimeInfo, 'version' | 'build' | 'devices' | 'error'>;
}

/**
 * llama.cpp runtimes: finds the llama-server builds on this machine, installs official builds
 * from llama.cpp's releases (download, digest check, safe unpack, `--version`), removes them and
 * chooses the default (the `backends.llama-cpp.command` setting). Installs are jobs listed with
 * the download jobs and published on the event stream.
 */
export class RuntimeService {
  private readonly releasesClient: ReleasesClient;
  private readonly jobs = new Map<string, RuntimeJob>();
  private readonly running = new Map<string, { ctl: AbortController; done: Promise<void> }>();
  private readonly probeCache = new Map<string, ProbeCacheEntry>();
  private hw?: Promise<HardwareInfo>;
  private readonly env: NodeJS.ProcessEnv;
  private readonly home: string;
  private readonly log: Logger;

  constructor(private readonly deps: RuntimeServiceDeps) {
    this.env = deps.env ?? process.env;
    this.home = deps.home ?? homedir();
    this.log = deps.log.child('runtimes');
    this.releasesClient = new ReleasesClient(() => deps.config.runtimes.llama_cpp.releases_url);
  }

  /** `<data_dir>/runtimes/llama-cpp` */
  root(): string {
    return join(runtimesRoot(this.deps.config.data_dir), 'llama-cpp');
  }

  /** Removes what installs interrupted by a stop or crash left behind. */
  async init(): Promise<void> {
    const names = await readdir(this.root()).catch(() => [] as string[]);
    for (const n of names.filter((x) => x.startsWith('.staging-')))
      await rm(join(this.root(), n), { recursive: true, force: true });
  }

  hardware(): Promise<HardwareInfo> {
    return (this.hw ??= (this.deps.hardware ?? (() => detectHardware()))());
  }

  // --- detection -------------------------------------------------------------------------

  /** GET /api/v1/runtimes */
  async list(): Promise<RuntimesResponse> {
    const command = this.deps.config.backends['llama-cpp'].command;
    const defaultPath = await this.resolveCommand(command);
    const defaultReal = defaultPath ? await realpath(defaultPath).catch(() => defaultPath) : null;
    const found = new Map<string, { path: string; sources: RuntimeSource[]; app?: Installed }>();
    const add = async (path: string | null, source: RuntimeSource, app?: Installed) => {
      if (!path) return;
      const real = await realpath(path).catch(() => null);
      if (!real) return;
      const entry = found.get(real) ?? { path: real, sources: [] };
      if (!entry.sources.includes(source)) entry.sources.push(source);
      if (app) entry.app = app;
      found.set(real, entry);
    };
    await add(defaultPath, 'configured');
    for (const name of SERVER_NAMES) await add(await this.which(name), 'path');
    for (const { dir, source } of this.wellKnownDirs())
      for (const name of SERVER_NAMES) {
        const p = join(dir, name);
        if (await isExecutable(p)) await add(p, source);
      }
    for (const inst of await this.installed()) await add(inst.serverPath, 'app', inst);

    const runtimes = await Promise.all(
      [...found.values()].map(async (f): Promise<RuntimeInfo> => {
        const facts = await this.probeFacts(f.path);
        return {
          path: f.path,
          sources: f.sources,
          ...facts,
          ...(f.app
            ? { tag: f.app.tag, variant: f.app.variant, installed_at: f.app.installed_at }
            : {}),
          default: f.path === defaultReal,
        };
      }),
    );
    return {
      default: {
        command,
        source: this.deps.settings.sourceOf(['backends', 'llama-cpp', 'command']),
        path: defaultPath,
      },
      runtimes,
      hardware: await this.hardware(),
    };
  }

  private wellKnownDirs(): { dir: string; source: RuntimeSource }[] {
    return (
      this.deps.wellKnownDirs ?? [
        { dir: '/opt/homebrew/bin', source: 'homebrew' },
        { dir: '/usr/local/bin', source: 'homebrew' },
        { dir: '/home/linuxbrew/.linuxbrew/bin', source: 'homebrew' },
        { dir: join(this.home, '.local', 'bin'), source: 'local-bin' },
      ]
    );
  }

  /** A command as the spawner would find it: a path as is, a bare name on PATH. */
  private async resolveCommand(command: string): Promise<string | null> {
    if (command.includes('/') || command.includes('\\')) {
      const abs = isAbsolute(command) ? command : join(process.cwd(), command);
      return (await isExecutable(abs)) ? abs : null;
    }
    return this.which(command);
  }

  private async which(name: string): Promise<string | null> {
    for (const dir of (this.env.PATH ?? '').split(delimiter)) {
      if (!dir) continue;
      const p = join(dir, name);
      if (await isExecutable(p)) return p;
    }
    return null;
  }

  /** `--version` and `--list-devices` of a binary, cached until the file changes. */
  private async probeFacts(path: string): Promise<ProbeCacheEntry['info']> {
    const st = await stat(path).catch(() => null);
    const key = st ? `${st.size}:${st.mtimeMs}` : 'missing';
    const hit = this.probeCache.get(path);
    if (hit && hit.key === key) return hit.info;
    const env = this.probeEnv(path);
    const v = await probe(path, ['--version'], env, 10_000);
    let info: ProbeCacheEntry['info'];
    if (!v.ok) {
      info = { devices: [], error: `--version failed: ${v.error}` };
    } else {
      const d = await probe(path, ['--list-devices'], env, 15_000);
      info = { ...parseVersion(v.output), devices: d.ok ? parseDevices(d.output) : [] };
    }
    this.probeCache.set(path, { key, info });
    return info;
  }

  private probeEnv(path: string): Record<string, string | undefined> {
    return { ...this.env, ...runtimeLibraryEnv(path, this.deps.config.data_dir, this.env) };
  }

  /** Runtimes installed by the app: folders `<tag>/<variant>` holding a runtime.json. */
  private async installed(): Promise<Installed[]> {
    const out: Installed[] = [];
    for (const tag of await readdir(this.root()).catch(() => [] as string[])) {
      if (tag.startsWith('.')) continue;
      for (const variant of await readdir(join(this.root(), tag)).catch(() => [] as string[])) {
        const dir = join(this.root(), tag, variant);
        try {
          const m = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as Manifest;
          const serverPath = join(dir, m.server);
          if (!isInside(dir, serverPath)) continue;
          out.push({ ...m, dir, serverPath });
        } catch {
          // no manifest: not a finished install
        }
      }
    }
    return out.sort((a, b) => (buildNumber(b.tag) ?? 0) - (buildNumber(a.tag) ?? 0));
  }

  // --- releases --------------------------------------------------------------------------

  /** GET /api/v1/runtimes/llama-cpp/releases */
  async releases(refresh = false): Promise<ReleasesResponse> {
    const hw = await this.hardware();
    const [list, latest, installed] = await Promise.all([
      this.releasesClient.list({ refresh }),
      this.releasesClient.latest(refresh).catch(() => null),
      this.installed(),
    ]);
    const releases: RuntimeRelease[] = list.map((r) => this.describeRelease(r, hw, installed));
    const newestInstalled = installed[0]?.tag ?? null;
    const latestTag = latest?.tag_name ?? releases.find((r) => !r.prerelease)?.tag ?? null;
    const latestN = latestTag ? buildNumber(latestTag) : null;
    const installedN = newestInstalled ? buildNumber(newestInstalled) : null;
    const nvidia = hw.gpus.some((g) => g.vendor === 'nvidia');
    const offersCuda = releases.some((r) => r.assets.some((a) => a.variant === 'cuda'));
    return {
      releases,
      latest: latestTag,
      recommended_variant: hw.recommended_variant,
      installed_latest: newestInstalled,
      update_available: latestN !== null && installedN !== null ? latestN > installedN : false,
      ...(hw.os === 'linux' && nvidia && !offersCuda
        ? {
            note:
              'llama.cpp publishes no CUDA build for Linux; the Vulkan build runs on NVIDIA cards. ' +
              'For CUDA, use the ghcr.io/ggml-org/llama.cpp:server-cuda Docker image or build from source.',
          }
        : {}),
    };
  }

  private describeRelease(
    r: GithubRelease,
    hw: HardwareInfo,
    installed: readonly Installed[],
  ): RuntimeRelease {
    const assets = assetsFor(r, hw);
    return {
      tag: r.tag_name,
      name: r.name || r.tag_name,
      published_at: r.published_at ?? '',
      prerelease: r.prerelease ?? false,
      ...(r.html_url ? { html_url: r.html_url } : {}),
      assets,
      asset: pickAsset(assets, hw.recommended_variant),
      installed: installed.filter((i) => i.tag === r.tag_name).map((i) => i.variant),
    };
  }

  // --- install ---------------------------------------------------------------------------

  /** POST /api/v1/runtimes/llama-cpp/install */
  async install(body: unknown): Promise<RuntimeInstallAccepted> {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new AppError(
        'invalid_request',
        'request body must be a JSON object {"version": "latest" | "b1234", "variant"?: "cpu" | "vulkan" | "cuda" | "metal"}',
      );
    const b = body as { version?: unknown; variant?: unknown; make_default?: unknown };
    const version = b.version === undefined || b.version === null ? 'latest' : b.version;
    if (typeof version !== 'string' || !(version === 'latest' || /^b\d{1,9}$/.test(version)))
      throw new AppError(
        'validation_error',
        `version: must be "latest" or a release tag such as "b6123" (got ${JSON.stringify(b.version)})`,
      );
    if (
      b.variant !== undefined &&
      b.variant !== null &&
      !(RUNTIME_VARIANTS as readonly unknown[]).includes(b.variant)
    )
      throw new AppError(
        'validation_error',
        `variant: must be one of ${RUNTIME_VARIANTS.join(', ')} (got ${JSON.stringify(b.variant)})`,
      );
    if (b.make_default !== undefined && typeof b.make_default !== 'boolean')
      throw new AppError('validation_error', 'make_default: must be true or false');
    const requested = (b.variant ?? undefined) as RuntimeVariant | undefined;

    const hw = await this.hardware();
    const release =
      version === 'latest'
        ? await this.releasesClient.latest(true)
        : await this.releasesClient.byTag(version);
    const assets = assetsFor(release, hw);
    const asset = pickAsset(assets, hw.recommended_variant, requested);
    if (!asset) {
      const offered = assets.map((a) => a.variant).join(', ') || 'none';
      throw new AppError(
        'not_found',
        `release ${release.tag_name} has no ${requested ?? ''} build for ${hw.os} ${hw.arch}`.replace(
          '  ',
          ' ',
        ) + ` (offered here: ${offered})`,
      );
    }
    const tag = release.tag_name;
    if (buildNumber(tag) === null)
      throw new AppError('bad_gateway', `release tag ${JSON.stringify(tag)} is not b<number>`);
    const active = [...this.jobs.values()].find(
      (j) => j.tag === tag && j.variant === asset.variant && ACTIVE_JOB_STATUSES.includes(j.status),
    );
    if (active) return { job_id: active.id, tag, variant: asset.variant };
    const already = (await this.installed()).find(
      (i) => i.tag === tag && i.variant === asset.variant,
    );
    if (already)
      throw new AppError(
        'conflict',
        `llama.cpp ${tag} (${asset.variant}) is already installed at ${already.serverPath}`,
      );

    const job: RuntimeJob = {
      id: randomBytes(8).toString('hex'),
      kind: 'runtime',
      repo: 'ggml-org/llama.cpp',
      tag,
      variant: asset.variant,
      asset: asset.name,
      status: 'queued',
      phase: 'download',
      progress: {
        bytes_downloaded: 0,
        total_bytes: asset.size,
        current_file: asset.name,
        files_done: 0,
        files_total: 1,
        speed_bps: 0,
      },
      created_at: Math.floor(Date.now() / 1000),
    };
    this.jobs.set(job.id, job);
    this.publish(job);
    const ctl = new AbortController();
    const done = this.run(job, asset, b.make_default !== false, ctl.signal).finally(() =>
      this.running.delete(job.id),
    );
    this.running.set(job.id, { ctl, done });
    return { job_id: job.id, tag, variant: asset.variant };
  }

  listJobs(): RuntimeJob[] {
    return [...this.jobs.values()].map((j) => structuredClone(j));
  }

  findJob(id: string): RuntimeJob | undefined {
    const j = this.jobs.get(id);
    return j ? structuredClone(j) : undefined;
  }

  cancelJob(id: string): RuntimeJob {
    const job = this.jobs.get(id);
    if (!job) throw new AppError('job_not_found', `job not found: ${id}`);
    if (!ACTIVE_JOB_STATUSES.includes(job.status))
      throw new AppError('job_not_cancellable', `job ${id} is ${job.status}, not in progress`);
    this.running.get(id)?.ctl.abort(new Error('cancelled'));
    this.finish(job, 'cancelled');
    return structuredClone(job);
  }

  private publish(job: RuntimeJob): void {
    this.deps.events.publish({ type: 'job', job: structuredClone(job) } as Parameters<
      EventBus['publish']
    >[0]);
  }

  private finish(job: RuntimeJob, status: 'completed' | 'failed' | 'cancelled', error?: string) {
    if (!ACTIVE_JOB_STATUSES.includes(job.status)) return;
    job.status = status;
    job.completed_at = Math.floor(Date.now() / 1000);
    job.progress.speed_bps = 0;
    if (error) job.error = error;
    this.publish(job);
  }

  private async run(
    job: RuntimeJob,
    asset: NonNullable<RuntimeRelease['asset']>,
    makeDefault: boolean,
    signal: AbortSignal,
  ): Promise<void> {
    const staging = join(this.root(), `.staging-${job.id}`);
    const final = join(this.root(), job.tag, job.variant);
    let moved = false;
    try {
      const expected = sha256FromDigest(asset.digest);
      if (!expected)
        throw new Error(
          `${asset.name} has no sha256 digest in the release listing, so it cannot be verified; not installed`,
        );
      job.status = 'downloading';
      this.publish(job);
      await mkdir(staging, { recursive: true, mode: 0o700 });
      const archive = join(staging, 'download');
      const actual = await this.download(job, asset, archive, signal);
      this.phase(job, 'verify');
      if (actual !== expected)
        throw new Error(
          `checksum mismatch for ${asset.name}: the release lists sha256:${expected}, the download is sha256:${actual}; nothing was unpacked`,
        );
      this.phase(job, 'unpack');
      const tree = join(staging, 'tree');
      await mkdir(tree);
      try {
        await unpackArchive(archive, asset.name, tree);
      } catch (err) {
        if (err instanceof ArchiveError)
          throw new Error(`cannot unpack ${asset.name}: ${err.message}`, { cause: err });
        throw err;
      }
      signal.throwIfAborted();
      const server = await findServer(tree);
      if (!server) throw new Error(`${asset.name} holds no llama-server`);
      const st = await stat(server);
      if ((st.mode & 0o111) === 0) await chmod(server, st.mode | 0o755);
      this.phase(job, 'check');
      const rel = relative(tree, server);
      const check = await probe(
        server,
        ['--version'],
        { ...this.env, ...runtimeLibraryEnv(server, this.deps.config.data_dir, this.env) },
        30_000,
      );
      if (!check.ok)
        throw new Error(
          `the unpacked llama-server does not run on this machine (${check.error}); not installed`,
        );
      signal.throwIfAborted();
      const manifest: Manifest = {
        tag: job.tag,
        variant: job.variant,
        asset: asset.name,
        digest: `sha256:${actual}`,
        server: rel.split(sep).join('/'),
        ...(parseVersion(check.output).version
          ? { version: parseVersion(check.output).version }
          : {}),
        installed_at: Math.floor(Date.now() / 1000),
      };
      await writeFile(join(tree, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
      await mkdir(dirname(final), { recursive: true });
      await rename(tree, final);
      moved = true;
      const serverPath = join(final, rel);
      if (makeDefault)
        await this.deps.settings.update((d) => {
          d.backends ??= {};
          d.backends['llama-cpp'] = { ...d.backends['llama-cpp'], command: serverPath };
        });
      await rm(staging, { recursive: true, force: true });
      job.phase = 'done';
      job.path = serverPath;
      job.progress.files_done = 1;
      this.finish(job, 'completed');
      this.log.info('runtime installed', { tag: job.tag, variant: job.variant, path: serverPath });
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      if (moved) await rm(final, { recursive: true, force: true });
      // the tag's folder, when this install made it and nothing else is in it
      await rmdir(join(this.root(), job.tag)).catch(() => {});
      if (signal.aborted) return;
      const message = err instanceof Error ? err.message : String(err);
      this.log.warn('runtime install failed', { tag: job.tag, error: message });
      this.finish(job, 'failed', message);
    }
  }

  private phase(job: RuntimeJob, phase: RuntimeJob['phase']): void {
    job.phase = phase;
    this.publish(job);
  }

  /** Streams the asset to `file`, hashing as it goes; returns the sha256 hex. */
  private async download(
    job: RuntimeJob,
    asset: NonNullable<RuntimeRelease['asset']>,
    file: string,
    signal: AbortSignal,
  ): Promise<string> {
    const stall = new AbortController();
    let stallTimer = setTimeout(() => stall.abort(), STALL_MS);
    const both = AbortSignal.any([signal, stall.signal]);
    let res: Response;
    try {
      res = await fetch(asset.url, {
        signal: both,
        redirect: 'follow',
        headers: { 'User-Agent': 'llamactl-desktop' },
      });
    } catch (err) {
      clearTimeout(stallTimer);
      if (signal.aborted) throw err;
      throw new Error(`cannot download ${asset.name}: ${describeFetchError(err, stall.signal)}`, {
        cause: err,
      });
    }
    if (!res.ok || !res.body) {
      clearTimeout(stallTimer);
      throw new Error(`cannot download ${asset.name}: HTTP ${res.status}`);
    }
    const hash = createHash('sha256');
    let bytes = 0;
    let lastPublish = 0;
    let speedAt = Date.now();
    let speedBytes = 0;
    const meter = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        clearTimeout(stallTimer);
        stallTimer = setTimeout(() => stall.abort(), STALL_MS);
        bytes += chunk.length;
        if (bytes > asset.size) {
          cb(new Error(`${asset.name} is larger than the ${asset.size} bytes the release lists`));
          return;
        }
        hash.update(chunk);
        job.progress.bytes_downloaded = bytes;
        const now = Date.now();
        if (now - speedAt >= 1000) {
          job.progress.speed_bps = Math.round(((bytes - speedBytes) * 1000) / (now - speedAt));
          speedAt = now;
          speedBytes = bytes;
        }
        if (now - lastPublish >= PUBLISH_INTERVAL_MS) {
          lastPublish = now;
          this.publish(job);
        }
        cb(null, chunk);
      },
    });
    try {
      await pipeline(
        Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>, { signal: both }),
        meter,
        createWriteStream(file, { flags: 'wx', mode: 0o600 }),
      );
    } catch (err) {
      if (signal.aborted) throw err;
      throw new Error(
        `download of ${asset.name} failed after ${bytes} of ${asset.size} bytes: ${describeFetchError(err, stall.signal)}`,
        { cause: err },
      );
    } finally {
      clearTimeout(stallTimer);
    }
    if (bytes !== asset.size)
      throw new Error(
        `download of ${asset.name} ended early: ${bytes} of ${asset.size} bytes; nothing was unpacked`,
      );
    job.progress.bytes_downloaded = bytes;
    job.progress.speed_bps = 0;
    this.publish(job);
    return hash.digest('hex');
  }

  // --- default and removal ----------------------------------------------------------------

  /** PUT /api/v1/runtimes/llama-cpp/default {"path"}: the llama-server new starts use. */
  async setDefault(body: unknown): Promise<RuntimesResponse['default']> {
    const path = (body as { path?: unknown } | null)?.path;
    if (typeof path !== 'string' || path.trim() === '')
      throw new AppError('validation_error', 'path: must be the path of a llama-server');
    const p = path.trim();
    if (!isAbsolute(p)) throw new AppError('validation_error', `path: must be absolute (got ${p})`);
    if (!(await isExecutable(p)))
      throw new AppError('validation_error', `path: ${p} is not an executable file`);
    const facts = await this.probeFacts(p);
    if (facts.error)
      throw new AppError('validation_error', `path: ${p} does not run (${facts.error})`);
    await this.deps.settings.update((d) => {
      d.backends ??= {};
      d.backends['llama-cpp'] = { ...d.backends['llama-cpp'], command: p };
    });
    const command = this.deps.config.backends['llama-cpp'].command;
    return {
      command,
      source: this.deps.settings.sourceOf(['backends', 'llama-cpp', 'command']),
      path: await this.resolveCommand(command),
    };
  }

  /**
   * DELETE /api/v1/runtimes/llama-cpp/{version}[?variant=]: removes an installed build. When it
   * was the default, the setting is cleared (the configured or PATH llama-server applies again).
   */
  async remove(version: string, variant?: unknown): Promise<void> {
    if (!/^b\d{1,9}$/.test(version))
      throw new AppError('validation_error', `version: must be a release tag such as b6123`);
    if (variant !== undefined && !(RUNTIME_VARIANTS as readonly unknown[]).includes(variant))
      throw new AppError(
        'validation_error',
        `variant: must be one of ${RUNTIME_VARIANTS.join(', ')}`,
      );
    const busy = [...this.jobs.values()].find(
      (j) => j.tag === version && ACTIVE_JOB_STATUSES.includes(j.status),
    );
    if (busy)
      throw new AppError('conflict', `an install of ${version} is in progress (job ${busy.id})`);
    const targets = (await this.installed()).filter(
      (i) => i.tag === version && (variant === undefined || i.variant === variant),
    );
    if (targets.length === 0)
      throw new AppError('not_found', `llama.cpp ${version} is not installed by the app`);
    const setting = this.deps.settings.get().backends?.['llama-cpp']?.command;
    for (const t of targets) {
      if (setting && isInside(t.dir, setting))
        await this.deps.settings.update((d) => {
          if (d.backends?.['llama-cpp']) delete d.backends['llama-cpp'].command;
        });
      await rm(t.dir, { recursive: true, force: true });
    }
    const left = await readdir(join(this.root(), version)).catch(() => null);
    if (left && left.length === 0) await rm(join(this.root(), version), { recursive: true });
  }

  async close(): Promise<void> {
    const running = [...this.running.values()];
    for (const r of running) r.ctl.abort(new Error('server shutting down'));
    await Promise.allSettled(running.map((r) => r.done));
  }
}

function describeFetchError(err: unknown, stall: AbortSignal): string {
  if (stall.aborted) return `no data for ${STALL_MS / 1000} s`;
  const e = err as Error & { cause?: Error };
  return e.cause?.message ? `${e.message} (${e.cause.message})` : e.message;
}

async function isExecutable(p: string): Promise<boolean> {
  try {
    const st = await stat(p);
    if (!st.isFile()) return false;
    await access(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isInside(dir: string, p: string): boolean {
  const rel = relative(dir, p);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** The shallowest `llama-server` file in the tree (archives hold it at the top or in build/bin). */
async function findServer(root: string): Promise<string | null> {
  let level = [root];
  for (let depth = 0; depth < 6 && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      const entries = await readdir(dir, { withFileTypes: true });
      for (const e of entries) {
        if (SERVER_NAMES.includes(e.name) && (e.isFile() || e.isSymbolicLink()))
          return join(dir, e.name);
      }
      for (const e of entries) if (e.isDirectory()) next.push(join(dir, e.name));
    }
    level = next.sort();
  }
  return null;
}
