/**
 * A FIFO async mutex. `tryAcquire` never waits, which lets eviction take a victim's lock only
 * when nobody else holds it (waiting there could deadlock against that instance's own start).
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private held = false;
  private waiting = 0;

  get locked(): boolean {
    return this.held;
  }

  async acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const prev = this.tail;
    this.tail = prev.then(() => next);
    this.waiting++;
    await prev;
    this.waiting--;
    this.held = true;
    return this.releaser(release);
  }

  tryAcquire(): (() => void) | null {
    if (this.held || this.waiting > 0) return null;
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    this.tail = this.tail.then(() => next);
    this.held = true;
    return this.releaser(release);
  }

  private releaser(release: () => void): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.held = false;
      release();
    };
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
