import { createHash, type Hash } from 'node:crypto';
import { constants, type WriteStream } from 'node:fs';
import { lstat, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { HubError, hubHeaders, hubStatusMessage, type HubEndpoint } from './hub-client';

export interface TransferSettings {
  /** abort and retry when no byte arrives for this long (there is no whole-request timeout) */
  stallTimeoutMs: number;
  /** first back-off delay; doubles per consecutive failure up to retryMaxMs */
  retryBaseMs: number;
  retryMaxMs: number;
  /** consecutive failed attempts without progress before the file fails */
  maxAttempts: number;
}

export const DEFAULT_TRANSFER_SETTINGS: TransferSettings = {
  stallTimeoutMs: 60_000,
  retryBaseMs: 1_000,
  retryMaxMs: 30_000,
  maxAttempts: 8,
};

export interface BlobTarget {
  url: string;
  /** final path blobs/<oid>; data goes to `<blobPath>.incomplete` first */
  blobPath: string;
  size: number;
  /** LFS sha256 */
  sha256?: string;
  /** git blob sha1 (small, non-LFS files) */
  gitOid?: string;
  /** file name for messages */
  label: string;
}

export interface TransferOptions {
  signal: AbortSignal;
  settings: TransferSettings;
  /** bytes of this file present so far (resumed bytes included) */
  onProgress?: (bytes: number) => void;
  /** test seam for back-off waits */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export class ChecksumError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChecksumError';
  }
}

class RetryableError extends Error {}

export function partialPath(blobPath: string): string {
  return `${blobPath}.incomplete`;
}

/**
 * Partial files are opened with O_NOFOLLOW: a symbolic link planted at `<blob>.incomplete` (by
 * another user of a shared cache, or a tool) must not make a download truncate or write a file
 * elsewhere. Windows has no O_NOFOLLOW; there the lstat check below is what refuses a link.
 */
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

class PlantedLinkError extends Error {
  constructor(path: string) {
    super(`${path} is a symbolic link; refusing to write through it (remove it to download)`);
    this.name = 'PlantedLinkError';
  }
}

/** Bytes of the partial file so far (0 when absent); refuses a symbolic link. */
async function fileSize(path: string): Promise<number> {
  try {
    const st = await lstat(path);
    if (st.isSymbolicLink()) throw new PlantedLinkError(path);
    return st.size;
  } catch (err) {
    if (err instanceof PlantedLinkError) throw err;
    return 0;
  }
}

async function openPartial(path: string, flags: number): Promise<FileHandle> {
  try {
    return await open(path, flags | O_NOFOLLOW, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new PlantedLinkError(path);
    throw err;
  }
}

async function truncate(path: string, length: number): Promise<void> {
  const fh = await openPartial(path, constants.O_WRONLY);
  try {
    await fh.truncate(length);
  } finally {
    await fh.close();
  }
}

function abortError(signal: AbortSignal): Error {
  const reason = signal.reason;
  if (reason instanceof Error) return reason;
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Incremental hash of one algorithm; `update` may return a promise when the caller must wait. */
interface Hasher {
  update(chunk: Uint8Array): Promise<void> | undefined;
  digest(): Promise<string>;
  close(): void;
}

class InlineHasher implements Hasher {
  private readonly h: Hash;
  constructor(algo: string, prefix?: string) {
    this.h = createHash(algo);
    if (prefix) this.h.update(prefix);
  }
  update(chunk: Uint8Array): undefined {
    this.h.update(chunk);
    return undefined;
  }
  async digest(): Promise<string> {
    return this.h.digest('hex');
  }
  close(): void {}
}

const HASH_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const h = createHash(workerData.algo);
parentPort.on('message', (m) => {
  if (m.type === 'data') {
    h.update(new Uint8Array(m.buffer, 0, m.length));
    // hand the buffer back for reuse: no allocation per batch, no garbage waiting for a GC
    parentPort.postMessage({ type: 'ack', length: m.length, buffer: m.buffer }, [m.buffer]);
  } else {
    parentPort.postMessage({ type: 'digest', hex: h.digest('hex') });
  }
});
`;

/**
 * SHA-256 on a worker thread, so hashing (slow without SHA CPU extensions) overlaps the transfer
 * instead of adding to it. Data is copied into 1 MiB batches whose buffers are transferred to the
 * worker and back (a small pool, reused); at most HASH_BACKLOG bytes wait for the worker, so
 * memory stays bounded and the transfer slows down to the hash speed rather than queueing.
 */
const HASH_BATCH = 1 << 20;
const HASH_BACKLOG = 8 << 20;

class WorkerHasher implements Hasher {
  private readonly worker: Worker;
  private readonly pool: ArrayBuffer[] = [];
  private batch = new Uint8Array(new ArrayBuffer(HASH_BATCH));
  private used = 0;
  private backlog = 0;
  private wakeUp?: () => void;
  private onDigest?: (hex: string) => void;
  private failure?: Error;

  constructor(algo: string) {
    this.worker = new Worker(HASH_WORKER_SOURCE, { eval: true, workerData: { algo } });
    this.worker.on(
      'message',
      (m: { type: string; length?: number; hex?: string; buffer?: ArrayBuffer }) => {
        if (m.type === 'ack') {
          this.backlog -= m.length!;
          this.pool.push(m.buffer!);
          if (this.backlog <= HASH_BACKLOG / 2) this.wake();
        } else this.onDigest?.(m.hex!);
      },
    );
    this.worker.on('error', (err) => {
      this.failure = err;
      this.wake();
    });
  }

  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  private flush(): void {
    if (this.used === 0) return;
    const buffer = this.batch.buffer as ArrayBuffer;
    this.worker.postMessage({ type: 'data', buffer, length: this.used }, [buffer]);
    this.backlog += this.used;
    this.batch = new Uint8Array(this.pool.pop() ?? new ArrayBuffer(HASH_BATCH));
    this.used = 0;
  }

  update(chunk: Uint8Array): Promise<void> | undefined {
    let off = 0;
    while (off < chunk.byteLength) {
      const n = Math.min(HASH_BATCH - this.used, chunk.byteLength - off);
      this.batch.set(chunk.subarray(off, off + n), this.used);
      this.used += n;
      off += n;
      if (this.used === HASH_BATCH) this.flush();
    }
    if (this.backlog <= HASH_BACKLOG) return undefined;
    return new Promise<void>((resolve, reject) => {
      this.wakeUp = () => (this.failure ? reject(this.failure) : resolve());
    });
  }

  digest(): Promise<string> {
    this.flush();
    return new Promise<string>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.onDigest = resolve;
      this.worker.once('error', reject);
      this.worker.postMessage({ type: 'digest' });
    });
  }

  close(): void {
    void this.worker.terminate();
  }
}

/** Files at least this large are hashed on a worker thread. */
const WORKER_HASH_MIN_BYTES = 16 << 20;

/** Hash state for the verification, built over the bytes already on disk plus what arrives. */
class Verifier {
  private hasher?: Hasher;
  private readonly expected?: { algo: 'sha256' | 'sha1'; hex: string; label: string };
  constructor(private readonly target: BlobTarget) {
    if (target.sha256) this.expected = { algo: 'sha256', hex: target.sha256, label: 'sha256' };
    else if (target.gitOid)
      this.expected = { algo: 'sha1', hex: target.gitOid, label: 'git blob id' };
    this.reset();
  }
  reset(): void {
    this.hasher?.close();
    this.hasher = undefined;
    if (!this.expected) return;
    // git's blob id covers a "blob <size>\0" header before the content
    const prefix = this.expected.algo === 'sha1' ? `blob ${this.target.size}\0` : undefined;
    this.hasher =
      this.expected.algo === 'sha256' && this.target.size >= WORKER_HASH_MIN_BYTES
        ? new WorkerHasher('sha256')
        : new InlineHasher(this.expected.algo, prefix);
  }
  update(chunk: Uint8Array): Promise<void> | undefined {
    return this.hasher?.update(chunk);
  }
  async updateFromFile(path: string, length: number): Promise<void> {
    if (length === 0 || !this.hasher) return;
    const fh = await openPartial(path, constants.O_RDONLY);
    const rs = fh.createReadStream({ start: 0, end: length - 1, highWaterMark: 1 << 20 });
    for await (const chunk of rs) await this.update(chunk as Buffer);
  }
  /** null when the content matches */
  async mismatch(): Promise<string | null> {
    if (!this.hasher || !this.expected) return null;
    const got = await this.hasher.digest();
    return got === this.expected.hex
      ? null
      : `expected ${this.expected.label} ${this.expected.hex}, got ${got}`;
  }
  close(): void {
    this.hasher?.close();
  }
}

async function closeStream(ws: WriteStream): Promise<void> {
  if (ws.closed) return;
  await new Promise<void>((resolve) => ws.end(() => resolve()));
}

/**
 * Downloads one blob with resume, retries and verification:
 * - data goes to `<blob>.incomplete`; an existing partial file is resumed with `Range`, and only
 *   a 206 whose Content-Range starts at our offset is appended; a 200 restarts from zero;
 * - network errors, 5xx/429 and stalls (no byte for stallTimeoutMs) are retried with back-off;
 *   the partial file is kept on failure and cancel, so a later attempt resumes;
 * - the whole content is checked against the listing's sha256 (LFS) or git blob id before the
 *   partial file is renamed to the blob; a mismatch deletes the partial file (it is corrupt).
 */
export async function downloadBlob(
  ep: HubEndpoint,
  target: BlobTarget,
  opts: TransferOptions,
): Promise<void> {
  const sleep = opts.sleep ?? defaultSleep;
  const partial = partialPath(target.blobPath);
  const verifier = new Verifier(target);
  try {
    await transferAndVerify(ep, target, partial, verifier, opts, sleep);
  } finally {
    verifier.close();
  }
}

async function transferAndVerify(
  ep: HubEndpoint,
  target: BlobTarget,
  partial: string,
  verifier: Verifier,
  opts: TransferOptions,
  sleep: NonNullable<TransferOptions['sleep']>,
): Promise<void> {
  const { signal, settings } = opts;
  let offset = await fileSize(partial);
  if (offset > target.size) {
    await truncate(partial, 0);
    offset = 0;
  }
  // report resumed bytes before hashing them (that can take minutes for a big partial file)
  opts.onProgress?.(offset);
  await verifier.updateFromFile(partial, offset);

  let failures = 0;
  for (;;) {
    if (signal.aborted) throw abortError(signal);
    if (offset === target.size) break;
    const before = offset;
    try {
      offset = await attempt(ep, target, partial, offset, verifier, opts);
    } catch (err) {
      if (signal.aborted) throw abortError(signal);
      if (!(err instanceof RetryableError)) throw err;
      offset = await fileSize(partial);
      failures = offset > before ? 1 : failures + 1;
      if (failures >= settings.maxAttempts) {
        throw new Error(
          `${target.label}: download failed after ${failures} attempts: ${err.message}`,
          { cause: err },
        );
      }
      const delay = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** (failures - 1));
      await sleep(delay, signal);
    }
  }
  const mismatch = await verifier.mismatch();
  if (mismatch) {
    await unlink(partial).catch(() => {});
    throw new ChecksumError(
      `${target.label}: checksum mismatch, the downloaded file is corrupt (${mismatch}); the partial file was removed`,
    );
  }
  await rename(partial, target.blobPath);
}

/** One HTTP request; returns the new offset when the body ended, throws RetryableError to retry. */
async function attempt(
  ep: HubEndpoint,
  target: BlobTarget,
  partial: string,
  offset: number,
  verifier: Verifier,
  opts: TransferOptions,
): Promise<number> {
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(opts.signal.reason);
  opts.signal.addEventListener('abort', onAbort, { once: true });
  let stalled = false;
  const stallTimer = setTimeout(() => {
    stalled = true;
    ctl.abort(new Error('stalled'));
  }, opts.settings.stallTimeoutMs);
  let ws: WriteStream | undefined;
  try {
    let res: Response;
    try {
      res = await fetch(target.url, {
        headers: hubHeaders(ep, offset > 0 ? { Range: `bytes=${offset}-` } : {}),
        signal: ctl.signal,
        redirect: 'follow',
      });
    } catch (err) {
      throw new RetryableError(
        stalled ? `no response for ${opts.settings.stallTimeoutMs} ms` : networkMessage(err),
      );
    }
    if (res.status === 416 && offset > 0) {
      // our partial file does not fit what the server has: start over
      await res.body?.cancel();
      await truncate(partial, 0);
      verifier.reset();
      opts.onProgress?.(0);
      throw new RetryableError('range not satisfiable, restarting the file');
    }
    if (res.status === 401 || res.status === 403 || res.status === 404) {
      await res.body?.cancel();
      throw new HubError(hubStatusMessage(res.status, target.label, ep), res.status);
    }
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      await res.body?.cancel();
      throw new RetryableError(`the hub answered HTTP ${res.status}`);
    }
    if (res.status !== 200 && res.status !== 206) {
      await res.body?.cancel();
      throw new HubError(hubStatusMessage(res.status, target.label, ep), res.status);
    }
    if (res.status === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
      if (!m || Number(m[1]) !== offset) {
        await res.body?.cancel();
        await truncate(partial, 0);
        verifier.reset();
        opts.onProgress?.(0);
        throw new RetryableError(
          `unexpected Content-Range ${res.headers.get('content-range')} for offset ${offset}`,
        );
      }
    } else if (offset > 0) {
      // The server ignored Range and sends the whole file: replace the partial data, never append.
      await truncate(partial, 0);
      verifier.reset();
      offset = 0;
      opts.onProgress?.(0);
    }
    if (!res.body) throw new RetryableError('empty response body');
    let fh: FileHandle;
    try {
      fh = await openPartial(
        partial,
        constants.O_WRONLY |
          constants.O_CREAT |
          (offset > 0 ? constants.O_APPEND : constants.O_TRUNC),
      );
    } catch (err) {
      throw new Error(`${target.label}: could not write ${partial}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    ws = fh.createWriteStream({ highWaterMark: 1 << 20 });
    // A disk that refuses the file (missing folder, no space, no permission) is not a network
    // problem: the download fails at once with what the system said, rather than retrying.
    let diskError: Error | undefined;
    const wsError = new Promise<never>((_, reject) =>
      ws!.once('error', (err) => {
        diskError = new Error(`${target.label}: could not write ${partial}: ${err.message}`, {
          cause: err,
        });
        reject(diskError);
      }),
    );
    wsError.catch(() => {});
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        stallTimer.refresh();
        if (offset + chunk.byteLength > target.size)
          throw new Error(`${target.label}: the hub sent more bytes than listed (${target.size})`);
        const hashing = verifier.update(chunk);
        offset += chunk.byteLength;
        if (!ws.write(chunk)) await Promise.race([once(ws, 'drain'), wsError]);
        if (hashing) await hashing;
        // waiting for the disk or the hash worker is not a stalled connection
        stallTimer.refresh();
        opts.onProgress?.(offset);
      }
    } catch (err) {
      if (diskError) throw diskError;
      if (opts.signal.aborted) throw abortError(opts.signal);
      if (err instanceof Error && err.message.includes('sent more bytes')) throw err;
      throw new RetryableError(
        stalled ? `no data for ${opts.settings.stallTimeoutMs} ms` : networkMessage(err),
      );
    }
    if (offset < target.size)
      throw new RetryableError(`connection closed after ${offset} of ${target.size} bytes`);
    await closeStream(ws);
    if (diskError) throw diskError;
    return offset;
  } finally {
    clearTimeout(stallTimer);
    opts.signal.removeEventListener('abort', onAbort);
    if (ws) await closeStream(ws);
  }
}

function networkMessage(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}
