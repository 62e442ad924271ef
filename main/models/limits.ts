/**
 * Limits shared by every download of the server: how many HTTP connections transfer at once
 * (`downloads.max_connections`) and how many bytes per second they may take together
 * (`downloads.max_bandwidth`).
 */

function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r;
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}

/** A counting semaphore, first come first served, so no file or job waits forever. */
export class ConnectionLimiter {
  private active = 0;
  private readonly waiting: { grant: () => void; reject: (err: Error) => void }[] = [];

  constructor(readonly max: number) {}

  /** connections in use now */
  get inUse(): number {
    return this.active;
  }

  /** Resolves with a release function once a connection is free. */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    const release = () => {
      this.active--;
      this.next();
    };
    const once = () => {
      let released = false;
      return () => {
        if (released) return;
        released = true;
        release();
      };
    };
    if (this.active < this.max && this.waiting.length === 0) {
      this.active++;
      return Promise.resolve(once());
    }
    return new Promise((resolve, reject) => {
      const entry = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          this.active++;
          resolve(once());
        },
        reject,
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  private next(): void {
    while (this.active < this.max && this.waiting.length > 0) this.waiting.shift()!.grant();
  }
}

/**
 * A token bucket over all transfers: `take(n)` spends n bytes and says how long the caller must
 * pause so that the total stays under `bytesPerSecond` (bursts up to a tenth of a second).
 */
export class BandwidthThrottle {
  private tokens: number;
  private last = performance.now();
  private readonly burst: number;

  constructor(
    readonly bytesPerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.burst = Math.max(64 << 10, bytesPerSecond / 10);
    this.tokens = this.burst;
    this.last = now();
  }

  /** milliseconds to wait before reading more (0: go on) */
  take(bytes: number): number {
    const t = this.now();
    this.tokens = Math.min(
      this.burst,
      this.tokens + ((t - this.last) * this.bytesPerSecond) / 1000,
    );
    this.last = t;
    this.tokens -= bytes;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.bytesPerSecond);
  }
}
