import { constants } from 'node:fs';
import { lstat, rename, unlink, type FileHandle } from 'node:fs/promises';
import { HubError, hubHeaders, hubStatusMessage, type HubEndpoint } from './hub-client';
import type { BandwidthThrottle, ConnectionLimiter } from './limits';
import { openNoFollow, PlantedLinkError } from './no-follow';
import { RangeClient, releaseChunk, type RangeController, type RangeHandler } from './range-client';
import { createPrefixHasher, type PrefixHasher } from './prefix-hasher';
import {
  RangeSet,
  planSegments,
  readProgressRecord,
  removeProgressRecord,
  writeProgressRecord,
} from './segments';

export interface TransferSettings {
  /** abort and retry when no byte arrives for this long (there is no whole-request timeout) */
  stallTimeoutMs: number;
  /** first back-off delay; doubles per consecutive failure up to retryMaxMs */
  retryBaseMs: number;
  retryMaxMs: number;
  /** consecutive failed attempts of one segment without progress before the file fails */
  maxAttempts: number;
  /** connections one file downloads over at most (one segment each) */
  connectionsPerFile: number;
  /** bytes per segment; a file no larger than this is fetched by one request */
  segmentBytes: number;
}

export const DEFAULT_TRANSFER_SETTINGS: TransferSettings = {
  stallTimeoutMs: 60_000,
  retryBaseMs: 1_000,
  retryMaxMs: 30_000,
  maxAttempts: 8,
  connectionsPerFile: 8,
  segmentBytes: 16 << 20,
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
  /** connections shared by every transfer (downloads.max_connections); none: no limit */
  connections?: ConnectionLimiter;
  /** bytes per second shared by every transfer (downloads.max_bandwidth); none: no cap */
  throttle?: BandwidthThrottle;
}

export class ChecksumError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChecksumError';
  }
}

class RetryableError extends Error {}

/** This request's work was taken over by one stream (the server ignores Range). */
class Superseded extends Error {}

export function partialPath(blobPath: string): string {
  return `${blobPath}.incomplete`;
}

/** Opens (creating) a partial file for positioned reads and writes, never through a link. */
export function openPartial(path: string): Promise<FileHandle> {
  return openNoFollow(path, constants.O_RDWR | constants.O_CREAT);
}

/**
 * Bytes of a blob already downloaded: the progress record's ranges, or for a partial file written
 * by one stream (no record) its length. The free-space check counts them as already there.
 */
export async function partialBytesDone(blobPath: string, size: number): Promise<number> {
  const partial = partialPath(blobPath);
  const rec = await readProgressRecord(partial, size);
  if (rec) return rec.total;
  try {
    const st = await lstat(partial);
    return st.isFile() ? Math.min(size, st.size) : 0;
  } catch {
    return 0;
  }
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
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

/**
 * One HTTP client for all transfers (range-client.ts says why not undici): keep-alive connections
 * reused between segments. Timeouts are ours (the stall timer); a 50 GB file takes as long as it
 * takes.
 */
let client: RangeClient | undefined;
function dispatcher(): RangeClient {
  return (client ??= new RangeClient(4_000));
}

/**
 * Downloads one blob over parallel ranged segments, with resume, retries and verification:
 * - the partial file `<blob>.incomplete` is preallocated to the listed size and each segment is
 *   written at its offset; `<blob>.incomplete.progress` records the written ranges, so a restart
 *   fetches only what is missing (a partial file without a record counts by its length, as
 *   written by one stream);
 * - the first request goes alone: a 206 says the server honours Range and the other connections
 *   start; a 200 makes the file one stream, written from byte 0;
 * - each segment is retried on its own from where it stopped (network errors, 5xx/429, stalls),
 *   with back-off; the partial file and its record are kept on failure and cancel;
 * - the written prefix is hashed in order while later segments arrive (prefix-hasher.ts); the
 *   digest is checked against the listing's sha256 (LFS) or git blob id before the partial file
 *   is renamed to the blob; a mismatch deletes the partial file (it is corrupt).
 */
export async function downloadBlob(
  ep: HubEndpoint,
  target: BlobTarget,
  opts: TransferOptions,
): Promise<void> {
  if (opts.signal.aborted) throw abortError(opts.signal);
  const partial = partialPath(target.blobPath);
  let fh: FileHandle;
  try {
    fh = await openPartial(partial);
  } catch (err) {
    if (err instanceof PlantedLinkError) throw err;
    throw diskError(target, partial, err);
  }
  let hasher: PrefixHasher | undefined;
  try {
    const done = await prepare(fh, partial, target);
    const expected = target.sha256
      ? { algo: 'sha256' as const, hex: target.sha256, label: 'sha256' }
      : target.gitOid
        ? { algo: 'sha1' as const, hex: target.gitOid, label: 'git blob id' }
        : undefined;
    if (expected) {
      // git's blob id covers a "blob <size>\0" header before the content
      const prefix = expected.algo === 'sha1' ? `blob ${target.size}\0` : undefined;
      hasher = createPrefixHasher(fh, target.size, expected.algo, prefix);
      hasher.advance(done.prefix);
    }
    opts.onProgress?.(done.total);
    await new FileTransfer(ep, target, fh, partial, done, hasher, opts).run();
    if (hasher && expected) {
      const got = await hasher.digest(target.size);
      if (got !== expected.hex) {
        await closeQuietly(hasher, fh);
        await unlink(partial).catch(() => {});
        await removeProgressRecord(partial);
        throw new ChecksumError(
          `${target.label}: checksum mismatch, the downloaded file is corrupt (expected ${expected.label} ${expected.hex}, got ${got}); the partial file was removed`,
        );
      }
    }
    await closeQuietly(hasher, fh);
    // the record first: a full-size partial file without one is taken as complete, and hashed
    await removeProgressRecord(partial);
    await rename(partial, target.blobPath);
  } finally {
    await closeQuietly(hasher, fh);
  }
}

const closed = new WeakSet<FileHandle>();
async function closeQuietly(hasher: PrefixHasher | undefined, fh: FileHandle): Promise<void> {
  await hasher?.close();
  if (closed.has(fh)) return;
  closed.add(fh);
  await fh.close().catch(() => {});
}

/**
 * What the partial file already holds, with the record written before the file is preallocated
 * (a full-size file without a record would otherwise look complete to the next start).
 */
async function prepare(fh: FileHandle, partial: string, target: BlobTarget): Promise<RangeSet> {
  const { size } = target;
  const length = (await fh.stat()).size;
  let done = length === size ? await readProgressRecord(partial, size) : undefined;
  if (!done) {
    const record = await readProgressRecord(partial, size);
    // no record: a file written from its start by one stream; a record that does not match the
    // file's length: distrust both
    done = !record && length <= size ? new RangeSet([[0, length]]) : new RangeSet();
  }
  try {
    await writeProgressRecord(partial, size, done);
    if (length !== size) await fh.truncate(size);
  } catch (err) {
    throw diskError(target, partial, err);
  }
  return done;
}

function diskError(target: BlobTarget, partial: string, err: unknown): Error {
  return new Error(`${target.label}: could not write ${partial}: ${(err as Error).message}`, {
    cause: err,
  });
}

/** A segment: `[start, end)` of the file; `pos` is the next byte to fetch (all before it written). */
interface Piece {
  start: number;
  end: number;
  pos: number;
}

/** Received bytes are written in batches of about this size (positioned writev, no copy). */
const WRITE_BATCH = 1 << 20;
/** writev takes at most IOV_MAX buffers (1024 on Linux) */
const WRITE_MAX_BUFFERS = 256;
/** the progress record is rewritten at most this often while bytes land */
const RECORD_INTERVAL_MS = 1_000;

class FileTransfer {
  private readonly ctl = new AbortController();
  private readonly sleep: NonNullable<TransferOptions['sleep']>;
  private queue: Piece[] = [];
  /** set once the server answered a ranged request with the whole file */
  private singlePiece?: Piece;
  private rangeChecked!: Promise<void>;
  private markRangeChecked!: () => void;
  /** where the hub redirected the file to (its CDN); requests go there directly */
  private dataUrl?: string;
  private failure?: Error;
  private readonly exchanges = new Set<Exchange>();
  private recordTimer?: NodeJS.Timeout;
  private recordWrite: Promise<void> = Promise.resolve();
  private readonly hubOrigin: string;

  constructor(
    readonly ep: HubEndpoint,
    readonly target: BlobTarget,
    readonly fh: FileHandle,
    private readonly partial: string,
    private readonly done: RangeSet,
    private readonly hasher: PrefixHasher | undefined,
    readonly opts: TransferOptions,
  ) {
    this.sleep = opts.sleep ?? defaultSleep;
    this.hubOrigin = new URL(ep.url).origin;
    this.rangeChecked = new Promise((resolve) => (this.markRangeChecked = resolve));
  }

  get signal(): AbortSignal {
    return this.ctl.signal;
  }

  async run(): Promise<void> {
    const { settings, signal } = this.opts;
    const pieces = planSegments(
      this.done.missing(this.target.size),
      settings.segmentBytes,
      settings.connectionsPerFile,
    );
    if (pieces.length === 0) return;
    this.queue = pieces.map(([start, end]) => ({ start, end, pos: start }));
    const onAbort = () => this.fail(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const n = Math.max(1, Math.min(settings.connectionsPerFile, pieces.length));
      const workers = Array.from({ length: n }, (_, i) => this.worker(i === 0));
      await Promise.all(workers);
    } finally {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(this.recordTimer);
      this.recordTimer = undefined;
      await this.recordWrite;
      if (this.failure || this.done.total < this.target.size) await this.saveRecord();
    }
    if (signal.aborted) throw abortError(signal);
    if (this.failure) throw this.failure;
    if (this.done.total < this.target.size)
      throw new Error(`${this.target.label}: transfer ended with bytes missing`);
  }

  /** One connection: takes segments in file order until none is left. */
  private async worker(first: boolean): Promise<void> {
    // the first request goes alone: its answer says whether the server honours Range
    if (!first) await this.rangeChecked;
    try {
      for (;;) {
        if (this.ctl.signal.aborted || (this.singlePiece && !first)) return;
        const piece = this.queue.shift();
        if (!piece) return;
        await this.fetchPiece(piece);
        this.markRangeChecked();
      }
    } catch (err) {
      if (err instanceof Superseded) return;
      this.fail(err as Error);
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.markRangeChecked();
    this.ctl.abort(this.failure);
  }

  /** Fetches one segment, resuming it from where it stopped after each failure. */
  private async fetchPiece(piece: Piece): Promise<void> {
    const { settings } = this.opts;
    let failures = 0;
    while (piece.pos < piece.end) {
      if (this.ctl.signal.aborted) throw abortError(this.ctl.signal);
      if (this.singlePiece && this.singlePiece !== piece) throw new Superseded();
      const before = piece.pos;
      try {
        await this.request(piece);
      } catch (err) {
        if (this.ctl.signal.aborted) throw abortError(this.ctl.signal);
        if (!(err instanceof RetryableError)) throw err;
        failures = piece.pos > before ? 1 : failures + 1;
        if (failures >= settings.maxAttempts) {
          throw new Error(
            `${this.target.label}: download failed after ${failures} attempts: ${err.message}`,
            { cause: err },
          );
        }
        const delay = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** (failures - 1));
        await this.sleep(delay, this.ctl.signal);
      }
    }
  }

  /** One request for the rest of a segment (following redirects), on a connection of the limit. */
  private async request(piece: Piece): Promise<void> {
    const release = this.opts.connections
      ? await this.opts.connections.acquire(this.ctl.signal)
      : undefined;
    try {
      let url = this.dataUrl ?? this.target.url;
      for (let hops = 0; ; hops++) {
        const viaRedirect = url !== this.target.url;
        const { redirect } = await this.exchange(url, piece, viaRedirect);
        if (!redirect) return;
        if (hops >= 5) throw new HubError(`${this.target.label}: too many redirects`);
        url = new URL(redirect, url).toString();
        this.dataUrl = url;
      }
    } finally {
      release?.();
    }
  }

  private exchange(
    url: string,
    piece: Piece,
    viaRedirect: boolean,
  ): Promise<{ redirect?: string }> {
    const u = new URL(url);
    const size = this.target.size;
    const range =
      piece.pos === 0 && piece.end === size
        ? undefined
        : `bytes=${piece.pos}-${piece.end === size ? '' : piece.end - 1}`;
    // the token goes to the hub only, never to the CDN it redirects to
    const headers = hubHeaders(u.origin === this.hubOrigin ? this.ep : { url: this.ep.url }, {
      ...(range ? { Range: range } : {}),
    });
    return new Promise((resolve, reject) => {
      const ex = new Exchange(this, piece, range !== undefined, viaRedirect, resolve, reject);
      this.exchanges.add(ex);
      dispatcher().dispatch({ origin: u.origin, path: u.pathname + u.search, headers }, ex);
    });
  }

  /** Exchange callbacks ------------------------------------------------------------------- */

  exchangeEnded(ex: Exchange): void {
    this.exchanges.delete(ex);
  }

  /** The redirect target stopped working (signed CDN URLs expire): go through the hub again. */
  forgetRedirect(): void {
    this.dataUrl = undefined;
  }

  /** A 206 arrived: the server honours Range, the other connections may start. */
  rangesWork(): void {
    this.markRangeChecked();
  }

  /**
   * A ranged request was answered with the whole file: that response becomes the only stream,
   * written from byte 0 over whatever is there (the same bytes), and every other request stops.
   */
  becomeSingleStream(piece: Piece, owner: Exchange): void {
    piece.start = 0;
    piece.end = this.target.size;
    piece.pos = 0;
    this.singlePiece = piece;
    this.queue = [];
    for (const ex of this.exchanges) if (ex !== owner) ex.abort(new Superseded());
    this.markRangeChecked();
  }

  /** Bytes `[start, end)` of `piece` are in the file. */
  landed(piece: Piece, start: number, end: number): void {
    this.done.add(start, end);
    piece.pos = end;
    this.hasher?.advance(this.done.prefix);
    this.opts.onProgress?.(this.done.total);
    this.recordTimer ??= setTimeout(() => {
      this.recordTimer = undefined;
      void this.saveRecord();
    }, RECORD_INTERVAL_MS);
  }

  private saveRecord(): Promise<void> {
    const snapshot = new RangeSet(this.done.toJSON());
    this.recordWrite = this.recordWrite
      .then(() => writeProgressRecord(this.partial, this.target.size, snapshot))
      .catch(() => {});
    return this.recordWrite;
  }
}

function contentRange(
  header: string | string[] | undefined,
): { start: number; end: number; total: number } | undefined {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(header ?? ''));
  if (!m) return undefined;
  return { start: Number(m[1]), end: Number(m[2]) + 1, total: m[3] === '*' ? NaN : Number(m[3]) };
}

/**
 * One HTTP exchange: body chunks (slices of the client's recycled buffers) are gathered, not
 * copied, written at their offset with one positioned writev per WRITE_BATCH, and given back to
 * the client once written. The socket is paused while a write is pending and while the bandwidth cap says
 * so, which bounds memory to about two batches per connection. Settles once every received
 * byte is written.
 */
class Exchange implements RangeHandler {
  private controller?: RangeController;
  private pendingAbort?: Error;
  private mode: 'wait' | 'data' | 'skip' = 'wait';
  private redirect?: string;
  private error?: Error;
  /** file offset of the next byte to write, and where this response must stop */
  private writePos = 0;
  private limit = 0;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private writing?: Promise<void>;
  private diskFailure?: Error;
  private holds = 0;
  private waitingForWrite = false;
  private bytesSinceCheck = 0;
  private stalled = false;
  private superseded = false;
  private ended = false;
  private responded = false;
  private settled = false;
  private readonly stallTimer: NodeJS.Timeout;
  private readonly onAbort = () => this.abort(abortError(this.t.signal));

  constructor(
    private readonly t: FileTransfer,
    private readonly piece: Piece,
    private readonly ranged: boolean,
    private readonly viaRedirect: boolean,
    private readonly resolve: (r: { redirect?: string }) => void,
    private readonly reject: (err: Error) => void,
  ) {
    const ms = t.opts.settings.stallTimeoutMs;
    this.stallTimer = setTimeout(() => this.checkStall(), ms);
    if (t.signal.aborted) this.pendingAbort = abortError(t.signal);
    else t.signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /** No byte since the last check (and not paused by us): the connection is stuck. */
  private checkStall(): void {
    if (this.bytesSinceCheck > 0 || this.holds > 0) {
      this.bytesSinceCheck = 0;
      this.stallTimer.refresh();
      return;
    }
    this.stalled = true;
    this.abort(new Error('stalled'));
  }

  abort(reason: Error): void {
    if (reason instanceof Superseded) this.superseded = true;
    if (this.controller) this.controller.abort(reason);
    else this.pendingAbort ??= reason;
  }

  onRequestStart(controller: RangeController): void {
    this.controller = controller;
    if (this.pendingAbort) controller.abort(this.pendingAbort);
  }

  onResponseStart(
    _controller: RangeController,
    status: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.responded = true;
    this.bytesSinceCheck++;
    const { target } = this.t;
    const size = target.size;
    const location = headers.location;
    if (status >= 300 && status < 400 && location) {
      this.redirect = String(location);
      this.mode = 'skip';
      return;
    }
    if (status === 206) {
      const cr = contentRange(headers['content-range']);
      if (cr && Number.isFinite(cr.total) && cr.total !== size) {
        return this.refuse(
          new HubError(
            `${target.label}: the hub serves ${cr.total} bytes, but its listing says ${size}`,
          ),
        );
      }
      if (!cr || cr.start !== this.piece.pos || cr.end !== this.piece.end) {
        return this.refuse(
          new RetryableError(
            `unexpected Content-Range ${String(headers['content-range'])} for bytes ${this.piece.pos}-${this.piece.end - 1}`,
          ),
        );
      }
      this.writePos = this.piece.pos;
      this.limit = this.piece.end;
      this.mode = 'data';
      this.t.rangesWork();
      return;
    }
    if (status === 200) {
      const length = Number(headers['content-length']);
      if (headers['content-length'] !== undefined && length !== size) {
        return this.refuse(
          new HubError(
            `${target.label}: the hub serves ${length} bytes, but its listing says ${size}`,
          ),
        );
      }
      if (this.ranged) this.t.becomeSingleStream(this.piece, this);
      this.writePos = 0;
      this.limit = size;
      this.mode = 'data';
      return;
    }
    if (status === 416) {
      return this.refuse(
        new HubError(
          `${target.label}: the hub's file is shorter than the ${size} bytes its listing says`,
          416,
        ),
      );
    }
    if (this.viaRedirect && status >= 400 && status < 500 && status !== 429) {
      // a signed CDN link that expired: ask the hub for a fresh one
      this.t.forgetRedirect();
      return this.refuse(new RetryableError(`the download link answered HTTP ${status}`));
    }
    if (status === 401 || status === 403 || status === 404)
      return this.refuse(new HubError(hubStatusMessage(status, target.label, this.t.ep), status));
    if (status >= 500 || status === 429 || status === 408)
      return this.refuse(new RetryableError(`the hub answered HTTP ${status}`));
    this.refuse(new HubError(hubStatusMessage(status, target.label, this.t.ep), status));
  }

  /** Ignore the body of an answer we cannot use, and fail with `err` once it ends. */
  private refuse(err: Error): void {
    this.error = err;
    this.mode = 'skip';
    this.t.rangesWork();
  }

  onResponseData(controller: RangeController, chunk: Buffer): void {
    this.bytesSinceCheck += chunk.length;
    if (this.mode !== 'data') return releaseChunk(chunk);
    if (this.writePos + this.batchBytes + chunk.length > this.limit) {
      releaseChunk(chunk);
      this.error = new HubError(
        `${this.t.target.label}: the hub sent more bytes than listed (${this.t.target.size})`,
      );
      controller.abort(this.error);
      return;
    }
    this.batch.push(chunk);
    this.batchBytes += chunk.length;
    const throttle = this.t.opts.throttle;
    if (throttle) {
      const wait = throttle.take(chunk.length);
      if (wait > 0) {
        this.hold(controller);
        setTimeout(() => this.unhold(controller), wait);
      }
    }
    if (this.batchBytes >= WRITE_BATCH || this.batch.length >= WRITE_MAX_BUFFERS) {
      if (!this.writing) this.flush();
      else if (!this.waitingForWrite) {
        this.waitingForWrite = true;
        this.hold(controller);
      }
    }
  }

  private hold(controller: RangeController): void {
    if (this.holds++ === 0) controller.pause();
  }

  private unhold(controller: RangeController): void {
    // after the end the parser may serve another request: never resume it from here
    if (--this.holds === 0 && !this.ended) controller.resume();
  }

  private flush(): void {
    if (this.batchBytes === 0 || this.diskFailure) return;
    const buffers = this.batch;
    const start = this.writePos;
    const end = start + this.batchBytes;
    this.batch = [];
    this.batchBytes = 0;
    this.writePos = end;
    this.writing = this.t.fh.writev(buffers, start).then(
      ({ bytesWritten }) => {
        this.writing = undefined;
        for (const b of buffers) releaseChunk(b);
        if (bytesWritten !== end - start) {
          this.diskFailure = diskError(
            this.t.target,
            partialPath(this.t.target.blobPath),
            new Error(`short write (${bytesWritten} of ${end - start} bytes)`),
          );
          this.controller?.abort(this.diskFailure);
          return;
        }
        this.t.landed(this.piece, start, end);
        if (this.batchBytes >= WRITE_BATCH || this.batch.length >= WRITE_MAX_BUFFERS) this.flush();
        if (this.waitingForWrite && this.controller) {
          this.waitingForWrite = false;
          this.unhold(this.controller);
        }
      },
      (err: unknown) => {
        this.writing = undefined;
        this.diskFailure = diskError(this.t.target, partialPath(this.t.target.blobPath), err);
        this.controller?.abort(this.diskFailure);
      },
    );
  }

  /** Writes what is still buffered and waits for every write. */
  private async drain(): Promise<void> {
    while (this.writing || (this.batchBytes > 0 && !this.diskFailure)) {
      if (this.writing) await this.writing;
      else this.flush();
    }
  }

  onResponseEnd(): void {
    void this.finish(undefined);
  }

  onResponseError(_controller: RangeController, err: Error): void {
    void this.finish(err);
  }

  private async finish(err: Error | undefined): Promise<void> {
    this.ended = true;
    clearTimeout(this.stallTimer);
    this.t.signal.removeEventListener('abort', this.onAbort);
    if (this.mode === 'data') await this.drain();
    this.t.exchangeEnded(this);
    if (this.settled) return;
    this.settled = true;
    const ms = this.t.opts.settings.stallTimeoutMs;
    if (this.diskFailure) return this.reject(this.diskFailure);
    if (this.error) return this.reject(this.error);
    if (err) {
      if (this.superseded) return this.reject(new Superseded());
      if (this.t.signal.aborted) return this.reject(abortError(this.t.signal));
      if (this.stalled)
        return this.reject(
          new RetryableError(this.responded ? `no data for ${ms} ms` : `no response for ${ms} ms`),
        );
      return this.reject(new RetryableError(networkMessage(err)));
    }
    if (this.redirect !== undefined) return this.resolve({ redirect: this.redirect });
    if (this.writePos < this.limit)
      return this.reject(
        new RetryableError(`connection closed after ${this.writePos} of ${this.limit} bytes`),
      );
    this.resolve({});
  }
}

function networkMessage(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  return e?.cause?.code ?? e?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}
