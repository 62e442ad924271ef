import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';

/**
 * Hashes a partial file in order while it is being written out of order: the transfer says how
 * far the contiguous written prefix reaches (`advance`), the hasher reads those bytes back (from
 * the page cache: they were just written) and hashes them. Memory stays one read buffer however
 * far the segments run ahead, and when the last byte lands only the bytes after the prefix
 * remain to hash, so verification ends moments after the transfer.
 */
export interface PrefixHasher {
  /** the contiguous prefix `[0, to)` is written and may be hashed */
  advance(to: number): void;
  /** hashes up to `size` and returns the hex digest */
  digest(size: number): Promise<string>;
  close(): Promise<void>;
}

/** Bytes per read-back (and per hash update). */
const READ_BYTES = 4 << 20;
/** The worker hears about the prefix in steps of at least this, so messages stay few. */
const ADVANCE_STEP = 8 << 20;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { readSync } = require('node:fs');
const h = createHash(workerData.algo);
if (workerData.prefix) h.update(workerData.prefix);
const buf = Buffer.allocUnsafe(${READ_BYTES});
let hashed = 0;
function upTo(to) {
  while (hashed < to) {
    const n = readSync(workerData.fd, buf, 0, Math.min(buf.length, to - hashed), hashed);
    if (n === 0) throw new Error('the partial file ended at ' + hashed + ' bytes');
    h.update(buf.subarray(0, n));
    hashed += n;
  }
}
parentPort.on('message', (m) => {
  try {
    upTo(m.to);
    if (m.type === 'digest') parentPort.postMessage({ type: 'digest', hex: h.digest('hex') });
  } catch (err) {
    parentPort.postMessage({ type: 'error', message: String(err && err.message || err) });
  }
});
`;

/**
 * SHA-256 of a large file on a worker thread. It reads through the transfer's own file
 * descriptor (threads share it; positioned reads do not move anything), so the path is opened
 * once, by the transfer, with its flags.
 */
class WorkerPrefixHasher implements PrefixHasher {
  private readonly worker: Worker;
  private sent = 0;
  private pending?: { resolve: (hex: string) => void; reject: (err: Error) => void };
  private failure?: Error;

  constructor(fd: number, algo: string, prefix?: string) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { fd, algo, prefix } });
    this.worker.on('message', (m: { type: string; hex?: string; message?: string }) => {
      if (m.type === 'digest') {
        const p = this.pending;
        this.pending = undefined;
        p?.resolve(m.hex!);
      } else this.fail(new Error(`hashing the partial file failed: ${m.message}`));
    });
    this.worker.on('error', (err) => this.fail(err));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(this.failure);
  }

  advance(to: number): void {
    if (to - this.sent < ADVANCE_STEP) return;
    this.sent = to;
    this.worker.postMessage({ type: 'advance', to });
  }

  digest(size: number): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage({ type: 'digest', to: size });
    });
  }

  async close(): Promise<void> {
    // the worker must be gone before the transfer closes the descriptor it reads
    await this.worker.terminate();
  }
}

/** Small files: hashed on the main thread once complete (a few reads). */
class InlinePrefixHasher implements PrefixHasher {
  constructor(
    private readonly fh: FileHandle,
    private readonly algo: string,
    private readonly prefix?: string,
  ) {}

  advance(): void {}

  async digest(size: number): Promise<string> {
    const h = createHash(this.algo);
    if (this.prefix) h.update(this.prefix);
    const buf = Buffer.allocUnsafe(Math.min(READ_BYTES, Math.max(1, size)));
    for (let pos = 0; pos < size;) {
      const { bytesRead } = await this.fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
      if (bytesRead === 0) throw new Error(`the partial file ended at ${pos} bytes`);
      h.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
    return h.digest('hex');
  }

  async close(): Promise<void> {}
}

/** Files at least this large are hashed on a worker thread while they download. */
export const WORKER_HASH_MIN_BYTES = 16 << 20;

export function createPrefixHasher(
  fh: FileHandle,
  size: number,
  algo: 'sha256' | 'sha1',
  prefix?: string,
): PrefixHasher {
  return size >= WORKER_HASH_MIN_BYTES
    ? new WorkerPrefixHasher(fh.fd, algo, prefix)
    : new InlinePrefixHasher(fh, algo, prefix);
}
