import { randomBytes } from 'node:crypto';
import { mkdir, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../shared/errors';
import {
  ACTIVE_JOB_STATUSES,
  DOWNLOAD_FORMATS,
  type CachedModel,
  type DownloadAccepted,
  type DownloadFormat,
  type DownloadJob,
  type HubFiles,
} from '../../shared/api/models';
import { parseGoDuration, type AppConfig } from '../config/schema';
import type { EventBus } from '../events/bus';
import type { Logger } from '../logger';
import type { Db } from '../store/database';
import {
  assertInsideCache,
  blobPath,
  deleteCached,
  linkSnapshotFile,
  repoDir,
  scanCache,
  snapshotDir,
  writeManifest,
  writeRef,
} from './cache';
import { readGgufInfo } from './gguf-info';
import { ggufLibrary } from './gguf-library';
import {
  HubError,
  hubEndpointFromEnv,
  hubHeaders,
  hubStatusMessage,
  listRepoFiles,
  resolveCommit,
  resolveUrl,
  type HubEndpoint,
} from './hub-client';
import { hubUrl, isOid, parseRepoSpec, resolveHubRoot } from './hub-paths';
import { JobStore } from './job-store';
import { BandwidthThrottle, ConnectionLimiter } from './limits';
import {
  chooseVariant,
  ggufVariants,
  listQuantizations,
  planGguf,
  planSafetensors,
  type PlannedFile,
} from './select-files';
import {
  DEFAULT_TRANSFER_SETTINGS,
  downloadBlob,
  partialBytesDone,
  type TransferSettings,
} from './transfer';

/** Files of one job downloaded at the same time (llamactl: 5). */
const FILES_IN_PARALLEL = 3;
const PUBLISH_INTERVAL_MS = 250;
const HEARTBEAT_MS = 1000;
const PERSIST_INTERVAL_MS = 2_000;
/** Finished jobs are kept this long (llamactl: 24 h, swept hourly). */
const JOB_RETENTION_MS = 24 * 3_600_000;

export interface ModelServiceDeps {
  config: AppConfig;
  db: Db;
  events: EventBus;
  log: Logger;
  /** environment for HF_ENDPOINT, HF_TOKEN, cache variables; read at each job start */
  env?: NodeJS.ProcessEnv;
  /**
   * the Hugging Face token, read at each job start (main/settings/hf-token.ts: HF_TOKEN, the
   * token protected by the desktop app, or the token file); default: HF_TOKEN or the token file
   */
  hubToken?: () => string | undefined;
  /** free bytes for unprivileged writes in a folder, null when unknown (tests pass a fake) */
  freeBytes?: (dir: string) => Promise<number | null>;
}

/** Free space a normal user may fill in `dir` (statfs), or null when the system cannot say. */
export async function freeBytesOf(dir: string): Promise<number | null> {
  try {
    const fs = await statfs(dir);
    return fs.bavail * fs.bsize;
  } catch {
    return null;
  }
}

function humanBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Why a running job was aborted: the user cancelled it, or the server is shutting down. */
class StopReason extends Error {
  constructor(readonly kind: 'cancel' | 'shutdown') {
    super(kind === 'cancel' ? 'cancelled' : 'server shutting down');
    this.name = 'AbortError';
  }
}

function durationFromEnv(value: string | undefined, fallback: number): number {
  if (!value) return fallback;
  const n = Number(value);
  if (Number.isFinite(n) && n >= 0) return n * 1000;
  return parseGoDuration(value) ?? fallback;
}

/**
 * Transfer tuning: segments and connections per file from `downloads.*`, and from the
 * environment LLAMACTL_DOWNLOAD_STALL_TIMEOUT (seconds or a Go duration, default 60s) and
 * LLAMACTL_DOWNLOAD_RETRY_DELAY (first back-off, default 1s).
 */
export function transferSettings(
  downloads: AppConfig['downloads'],
  env: NodeJS.ProcessEnv,
): TransferSettings {
  return {
    ...DEFAULT_TRANSFER_SETTINGS,
    connectionsPerFile: downloads.connections_per_file,
    segmentBytes: downloads.segment_size * (1 << 20),
    stallTimeoutMs: Math.max(
      50,
      durationFromEnv(
        env.LLAMACTL_DOWNLOAD_STALL_TIMEOUT,
        DEFAULT_TRANSFER_SETTINGS.stallTimeoutMs,
      ),
    ),
    retryBaseMs: durationFromEnv(
      env.LLAMACTL_DOWNLOAD_RETRY_DELAY,
      DEFAULT_TRANSFER_SETTINGS.retryBaseMs,
    ),
  };
}

interface RunningJob {
  ctl: AbortController;
  done: Promise<void>;
}

/**
 * Download jobs (persisted, queued, bounded concurrency, resumed after a restart), the cache
 * listing and deletion. Routes call this; it never sees HTTP requests.
 */
export class ModelService {
  private readonly store: JobStore;
  private readonly jobs = new Map<string, DownloadJob>();
  private readonly queue: string[] = [];
  private readonly running = new Map<string, RunningJob>();
  /** one writer per blob, even across jobs (llamactl lets two jobs write the same .tmp) */
  private readonly blobLocks = new Map<string, Promise<void>>();
  private readonly env: NodeJS.ProcessEnv;
  private readonly log: Logger;
  /** downloads.max_connections over every job */
  private readonly connections: ConnectionLimiter;
  /** downloads.max_bandwidth over every job */
  private readonly throttle?: BandwidthThrottle;
  private sweepTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly deps: ModelServiceDeps) {
    this.store = new JobStore(deps.db);
    this.env = deps.env ?? process.env;
    this.log = deps.log.child('models');
    const d = deps.config.downloads;
    this.connections = new ConnectionLimiter(d.max_connections);
    if (d.max_bandwidth > 0) this.throttle = new BandwidthThrottle(d.max_bandwidth * 1e6);
  }

  /** Loads jobs; those that were queued or downloading when the server stopped are queued again. */
  async init(): Promise<void> {
    this.store.purgeFinished(Date.now() - JOB_RETENTION_MS);
    for (const job of this.store.all()) {
      this.jobs.set(job.id, job);
      if (ACTIVE_JOB_STATUSES.includes(job.status)) {
        job.status = 'queued';
        job.progress.speed_bps = 0;
        this.store.update(job);
        this.queue.push(job.id);
      }
    }
    this.sweepTimer = setInterval(() => this.sweep(), 3_600_000);
    this.sweepTimer.unref();
    this.pump();
  }

  /** The folder downloads go to (shown by GET /models/cache so users know where files are). */
  hubRoot(): string {
    return resolveHubRoot(this.deps.config, this.env);
  }

  private hubEndpoint(): HubEndpoint {
    if (!this.deps.hubToken) return hubEndpointFromEnv(this.env);
    return { url: hubUrl(this.env), token: this.deps.hubToken() };
  }

  /** POST /models/download: validates, creates (or joins) a job and queues it. */
  startDownload(body: unknown): DownloadAccepted {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new AppError(
        'invalid_request',
        'request body must be a JSON object {"repo": "org/model[:tag]", "format": "gguf"}',
      );
    }
    const b = body as { repo?: unknown; format?: unknown };
    const { repo, tag } = parseRepoSpec(b.repo);
    let format: DownloadFormat = 'gguf';
    if (b.format !== undefined && b.format !== null && b.format !== '') {
      if (
        typeof b.format !== 'string' ||
        !(DOWNLOAD_FORMATS as readonly string[]).includes(b.format)
      ) {
        throw new AppError(
          'invalid_request',
          `format: must be one of ${DOWNLOAD_FORMATS.join(', ')} (got ${JSON.stringify(b.format)})`,
        );
      }
      format = b.format as DownloadFormat;
    }
    const jobTag = tag || 'main';
    // The same download already under way: report that job instead of racing it.
    const existing = [...this.jobs.values()].find(
      (j) =>
        j.repo === repo &&
        j.tag === jobTag &&
        j.format === format &&
        ACTIVE_JOB_STATUSES.includes(j.status),
    );
    if (existing) return { job_id: existing.id, repo, tag };
    const job: DownloadJob = {
      id: randomBytes(8).toString('hex'),
      repo,
      tag: jobTag,
      format,
      status: 'queued',
      progress: {
        bytes_downloaded: 0,
        total_bytes: 0,
        current_file: '',
        files_done: 0,
        files_total: 0,
        speed_bps: 0,
      },
      created_at: Math.floor(Date.now() / 1000),
    };
    this.store.insert(job);
    this.jobs.set(job.id, job);
    this.queue.push(job.id);
    this.publish(job);
    this.pump();
    return { job_id: job.id, repo, tag };
  }

  listJobs(): DownloadJob[] {
    return [...this.jobs.values()]
      .sort((a, b) => a.created_at - b.created_at)
      .map((j) => structuredClone(j));
  }

  getJob(id: string): DownloadJob {
    const job = this.jobs.get(id);
    if (!job) throw new AppError('job_not_found', `job not found: ${id}`);
    return structuredClone(job);
  }

  /** Cancels a queued or downloading job; partial files stay so a new download resumes them. */
  /**
   * `DELETE /models/jobs/{id}`, as llamactl: an active job is cancelled (it stays listed as
   * `cancelled`); a finished one (completed, failed, cancelled) is removed, which is how
   * llamactl's web UI dismisses a failed download.
   */
  cancelJob(id: string): DownloadJob {
    const job = this.jobs.get(id);
    if (!job) throw new AppError('job_not_found', `job not found: ${id}`);
    if (!ACTIVE_JOB_STATUSES.includes(job.status)) {
      this.jobs.delete(id);
      this.store.delete(id);
      this.deps.events.publish({ type: 'job', job: structuredClone(job), removed: true });
      return structuredClone(job);
    }
    const qi = this.queue.indexOf(id);
    if (qi >= 0) this.queue.splice(qi, 1);
    this.finish(job, 'cancelled');
    this.running.get(id)?.ctl.abort(new StopReason('cancel'));
    return structuredClone(job);
  }

  /** GET /models: the local cache, with GGUF header facts. */
  async listModels(node: string): Promise<CachedModel[]> {
    const scanned = await scanCache(this.hubRoot());
    const out: CachedModel[] = [];
    for (const s of scanned) {
      const { mainGguf: _main, mainGgufParts, ...rest } = s;
      const model: CachedModel = { node, ...rest };
      const info = mainGgufParts ? await readGgufInfo(mainGgufParts) : undefined;
      if (info) model.gguf = info;
      out.push(model);
    }
    return out;
  }

  /** DELETE /models: refuses while a download of that repo runs (it would recreate files). */
  async deleteModel(repoRaw: unknown, tagRaw: unknown): Promise<void> {
    const spec = parseRepoSpec(repoRaw);
    const repo = spec.repo;
    // `repo=org/name:tag` works too, as in the download request
    let tag: string | undefined = spec.tag || undefined;
    if (tagRaw !== undefined && tagRaw !== '') {
      if (typeof tagRaw !== 'string')
        throw new AppError('invalid_request', 'tag: must be a single value');
      tag = parseRepoSpec(`${repo}:${tagRaw}`, 'tag').tag;
    }
    const active = [...this.jobs.values()].find(
      (j) =>
        j.repo === repo &&
        ACTIVE_JOB_STATUSES.includes(j.status) &&
        (tag === undefined || j.tag === tag),
    );
    if (active)
      throw new AppError(
        'conflict',
        `a download of ${repo}:${active.tag} is in progress (job ${active.id}); cancel it first`,
      );
    await deleteCached(this.hubRoot(), repo, tag);
  }

  /** GET /models/hub/files: the quantizations a repo offers (for the download dialog). */
  async hubFiles(spec: unknown): Promise<HubFiles> {
    const { repo, tag } = parseRepoSpec(spec);
    const ep = this.hubEndpoint();
    const revision =
      tag && !ggufLibrary().parseGGUFQuantLabel(tag) && tag !== 'main' ? tag : 'main';
    try {
      const commit = await resolveCommit(ep, repo, revision);
      const files = await listRepoFiles(ep, repo, commit);
      const variants = ggufVariants(files);
      const def = chooseVariant(variants, '');
      return {
        repo,
        revision,
        commit,
        quantizations: listQuantizations(files),
        mmproj: files
          .filter((f) => /mmproj/i.test(f.path) && f.path.toLowerCase().endsWith('.gguf'))
          .map((f) => f.path),
        ...(def ? { default_tag: def.tag } : {}),
      };
    } catch (err) {
      if (err instanceof HubError) {
        throw new AppError(
          err.status === 404
            ? 'model_not_found'
            : err.status === 401 || err.status === 403
              ? 'permission_denied'
              : 'bad_gateway',
          err.message,
        );
      }
      throw new AppError('bad_gateway', (err as Error).message);
    }
  }

  /** Stops running transfers without marking the jobs finished: the next start resumes them. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    const running = [...this.running.values()];
    for (const r of running) r.ctl.abort(new StopReason('shutdown'));
    await Promise.allSettled(running.map((r) => r.done));
    for (const job of this.jobs.values())
      if (ACTIVE_JOB_STATUSES.includes(job.status)) this.store.update(job);
  }

  private sweep(): void {
    for (const id of this.store.purgeFinished(Date.now() - JOB_RETENTION_MS)) this.jobs.delete(id);
  }

  private pump(): void {
    if (this.closed) return;
    while (
      this.running.size < this.deps.config.downloads.max_concurrent_jobs &&
      this.queue.length > 0
    ) {
      const id = this.queue.shift()!;
      const job = this.jobs.get(id);
      if (!job || job.status !== 'queued') continue;
      const ctl = new AbortController();
      const done = this.run(job, ctl.signal).finally(() => {
        this.running.delete(id);
        this.pump();
      });
      this.running.set(id, { ctl, done });
    }
  }

  private publish(job: DownloadJob): void {
    // EventBus.publish takes Omit<> of a union, which keeps only the common keys; hence the cast.
    this.deps.events.publish({ type: 'job', job: structuredClone(job) } as Parameters<
      EventBus['publish']
    >[0]);
  }

  private finish(
    job: DownloadJob,
    status: 'completed' | 'failed' | 'cancelled',
    error?: string,
  ): void {
    // terminal states are sticky: a cancelled job never turns into "failed" (llamactl's bug)
    if (!ACTIVE_JOB_STATUSES.includes(job.status)) return;
    job.status = status;
    job.completed_at = Math.floor(Date.now() / 1000);
    job.progress.speed_bps = 0;
    if (error) job.error = error;
    this.store.update(job);
    this.publish(job);
  }

  private async run(job: DownloadJob, signal: AbortSignal): Promise<void> {
    job.status = 'downloading';
    delete job.error;
    this.store.update(job);
    this.publish(job);
    try {
      await this.download(job, signal);
      this.finish(job, 'completed');
      this.log.info('download completed', { job: job.id, repo: job.repo, tag: job.tag });
    } catch (err) {
      const reason = signal.reason;
      if (signal.aborted && reason instanceof StopReason) {
        if (reason.kind === 'shutdown') this.store.update(job);
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      this.log.warn('download failed', { job: job.id, repo: job.repo, error: message });
      this.finish(job, 'failed', message);
    }
  }

  /** Which revision to fetch and which quantization to pick, from the job's tag. */
  private async resolve(
    ep: HubEndpoint,
    job: DownloadJob,
    signal: AbortSignal,
  ): Promise<{ commit: string; selector: string }> {
    const tag = job.tag;
    if (job.format === 'safetensors')
      return { commit: await resolveCommit(ep, job.repo, tag, signal), selector: '' };
    // GGUF: the tag selects a quantization on main (llamactl), unless it is no quant label and
    // names a branch, tag or commit of the repo; "revision" and "quant selector" stay apart.
    if (tag === 'main' || ggufLibrary().parseGGUFQuantLabel(tag))
      return {
        commit: await resolveCommit(ep, job.repo, 'main', signal),
        selector: tag === 'main' ? '' : tag,
      };
    try {
      return { commit: await resolveCommit(ep, job.repo, tag, signal), selector: '' };
    } catch (err) {
      if (!(err instanceof HubError) || err.status !== 404) throw err;
      return { commit: await resolveCommit(ep, job.repo, 'main', signal), selector: tag };
    }
  }

  private async download(job: DownloadJob, signal: AbortSignal): Promise<void> {
    const ep = this.hubEndpoint();
    const settings = transferSettings(this.deps.config.downloads, this.env);
    const hubRoot = this.hubRoot();
    const { commit, selector } = await withRetries(settings, signal, () =>
      this.resolve(ep, job, signal),
    );
    job.commit = commit;
    const listing = await withRetries(settings, signal, () =>
      listRepoFiles(ep, job.repo, commit, signal),
    );
    let planned: PlannedFile[];
    let main: string | undefined;
    if (job.format === 'gguf') {
      const plan = planGguf(listing, selector);
      planned = plan.files;
      main = plan.main;
    } else {
      planned = planSafetensors(listing);
    }

    const tasks: {
      file: PlannedFile;
      oid: string;
      size: number;
      sha256?: string;
      gitOid?: string;
    }[] = [];
    for (const file of planned) {
      if (file.lfs) {
        tasks.push({ file, oid: file.lfs.oid, size: file.lfs.size, sha256: file.lfs.oid });
      } else {
        const oid =
          file.oid ??
          (await this.etagOf(ep, resolveUrl(ep, job.repo, commit, file.path), file.path, signal));
        tasks.push({ file, oid, size: file.size, gitOid: file.oid ? oid : undefined });
      }
    }

    const dir = repoDir(hubRoot, job.repo);
    await mkdir(join(dir, 'blobs'), { recursive: true });
    await mkdir(snapshotDir(hubRoot, job.repo, commit), { recursive: true });
    await assertInsideCache(hubRoot, join(dir, 'blobs'));
    await assertInsideCache(hubRoot, snapshotDir(hubRoot, job.repo, commit));
    await this.assertRoomFor(job, hubRoot, tasks);

    const perFile = new Map<string, number>();
    const p = job.progress;
    p.total_bytes = tasks.reduce((n, t) => n + t.size, 0);
    p.files_total = tasks.length;
    p.files_done = 0;
    const meter = this.progressMeter(job);
    /** `complete`: the file's last byte is in (published at once; verification may follow) */
    const report = (path: string, bytes: number, complete = false) => {
      perFile.set(path, bytes);
      let sum = 0;
      for (const v of perFile.values()) sum += v;
      p.bytes_downloaded = sum;
      meter.update(complete);
    };

    let next = 0;
    const worker = async () => {
      while (next < tasks.length) {
        if (signal.aborted) throw signal.reason;
        const t = tasks[next++];
        const blob = blobPath(hubRoot, job.repo, t.oid);
        await this.withBlobLock(blob, async () => {
          if (await hasBlob(blob, t.size)) return;
          p.current_file = t.file.path;
          meter.update(true);
          await downloadBlob(
            ep,
            {
              url: resolveUrl(ep, job.repo, commit, t.file.path),
              blobPath: blob,
              size: t.size,
              sha256: t.sha256,
              gitOid: t.gitOid,
              label: t.file.path,
            },
            {
              signal,
              settings,
              onProgress: (b) => report(t.file.path, b, b === t.size),
              connections: this.connections,
              throttle: this.throttle,
            },
          );
        });
        report(t.file.path, t.size);
        await linkSnapshotFile(hubRoot, job.repo, commit, t.file.path, t.oid);
        p.files_done++;
        meter.update(true);
      }
    };
    const workers = Array.from({ length: Math.min(FILES_IN_PARALLEL, tasks.length) }, worker);
    const results = await Promise.allSettled(workers).finally(() => meter.stop());
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;

    await writeManifest(hubRoot, job.repo, {
      tag: job.tag,
      commit,
      format: job.format,
      files: planned.map((f) => ({ path: f.path, type: f.type })),
      ...(main ? { main } : {}),
    });
    await writeRef(hubRoot, job.repo, job.tag, commit);
    const snap = snapshotDir(hubRoot, job.repo, commit);
    job.model_path = main ? join(snap, ...main.split('/')) : snap;
    p.current_file = '';
  }

  /**
   * Fails the job before the first byte when the disk cannot hold what is still to come (blobs
   * not yet in the cache, minus partial files already there), rather than at ENOSPC after hours.
   */
  private async assertRoomFor(
    job: DownloadJob,
    hubRoot: string,
    tasks: readonly { oid: string; size: number }[],
  ): Promise<void> {
    let needed = 0;
    for (const t of tasks) {
      const blob = blobPath(hubRoot, job.repo, t.oid);
      if (await hasBlob(blob, t.size)) continue;
      needed += t.size - (await partialBytesDone(blob, t.size));
    }
    const dir = join(repoDir(hubRoot, job.repo), 'blobs');
    const free = await (this.deps.freeBytes ?? freeBytesOf)(dir);
    if (free !== null && needed > free) {
      throw new Error(
        `not enough disk space for ${job.repo}: ${humanBytes(needed)} still to download, ${humanBytes(free)} free in ${hubRoot}`,
      );
    }
  }

  /**
   * Progress events at most every PUBLISH_INTERVAL_MS, database writes every PERSIST_INTERVAL_MS.
   * A heartbeat publishes once a second even when no bytes arrive, so a stalled transfer shows
   * its true byte count and a speed falling to 0 instead of the last throttled value.
   */
  private progressMeter(job: DownloadJob): { update(force?: boolean): void; stop(): void } {
    let lastPublish = 0;
    let lastPersist = Date.now();
    let speedAt = Date.now();
    let speedBytes = job.progress.bytes_downloaded;
    const update = (force = false) => {
      const now = Date.now();
      if (!force && now - lastPublish < PUBLISH_INTERVAL_MS) return;
      lastPublish = now;
      if (now - speedAt >= 1000) {
        const bps = ((job.progress.bytes_downloaded - speedBytes) * 1000) / (now - speedAt);
        job.progress.speed_bps = Math.max(0, Math.round(bps));
        speedAt = now;
        speedBytes = job.progress.bytes_downloaded;
      }
      if (now - lastPersist >= PERSIST_INTERVAL_MS) {
        lastPersist = now;
        this.store.update(job);
      }
      this.publish(job);
    };
    const heartbeat = setInterval(() => update(true), HEARTBEAT_MS);
    heartbeat.unref();
    return { update, stop: () => clearInterval(heartbeat) };
  }

  private async withBlobLock(blob: string, fn: () => Promise<void>): Promise<void> {
    for (;;) {
      const held = this.blobLocks.get(blob);
      if (!held) break;
      await held.catch(() => {});
    }
    const p = fn();
    this.blobLocks.set(blob, p);
    try {
      await p;
    } finally {
      if (this.blobLocks.get(blob) === p) this.blobLocks.delete(blob);
    }
  }

  /** Object id of a small file the listing gave no id for: the resolve endpoint's ETag. */
  private async etagOf(
    ep: HubEndpoint,
    url: string,
    label: string,
    signal: AbortSignal,
  ): Promise<string> {
    const res = await fetch(url, {
      method: 'HEAD',
      headers: hubHeaders(ep),
      redirect: 'manual',
      signal,
    });
    if (res.status >= 400) throw new HubError(hubStatusMessage(res.status, label, ep), res.status);
    const raw = res.headers.get('x-linked-etag') ?? res.headers.get('etag') ?? '';
    const etag = raw.replace(/^W\//, '').replace(/"/g, '');
    if (!isOid(etag)) throw new HubError(`${label}: the hub gave no usable ETag`);
    return etag;
  }
}

/**
 * Metadata requests (model info, tree) get the same patience as file transfers: network errors,
 * 5xx and 429 are retried with back-off; auth, not-found and bad listings fail at once.
 */
async function withRetries<T>(
  settings: TransferSettings,
  signal: AbortSignal,
  fn: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      const permanent =
        err instanceof HubError &&
        (err.status === undefined || (err.status < 500 && err.status !== 429));
      if (permanent || attempt >= settings.maxAttempts) throw err;
      const delay = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** (attempt - 1));
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, delay);
        const onAbort = () => {
          clearTimeout(t);
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
  }
}

async function hasBlob(path: string, size: number): Promise<boolean> {
  try {
    return (await stat(path)).size === size;
  } catch {
    return false;
  }
}
