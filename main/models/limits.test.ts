import { describe, expect, it } from 'vitest';
import { BandwidthThrottle, ConnectionLimiter } from './limits';

describe('ConnectionLimiter', () => {
  it('grants at most max connections and hands freed ones out first come, first served', async () => {
    const limit = new ConnectionLimiter(2);
    const signal = new AbortController().signal;
    const a = await limit.acquire(signal);
    await limit.acquire(signal);
    const order: string[] = [];
    const c = limit.acquire(signal).then((release) => {
      order.push('c');
      return release;
    });
    const d = limit.acquire(signal).then(() => order.push('d'));
    expect(limit.inUse).toBe(2);
    a();
    a(); // a second release of the same grant frees nothing more
    (await c)();
    await d;
    expect(order).toEqual(['c', 'd']);
    expect(limit.inUse).toBe(2);
  });

  it('drops a waiter whose signal aborts, without granting it', async () => {
    const limit = new ConnectionLimiter(1);
    const release = await limit.acquire(new AbortController().signal);
    const ctl = new AbortController();
    const waiting = limit.acquire(ctl.signal);
    ctl.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    release();
    expect(limit.inUse).toBe(0);
  });
});

describe('BandwidthThrottle', () => {
  it('lets a burst through, then asks for pauses that keep the rate', () => {
    let now = 0;
    const t = new BandwidthThrottle(1_000_000, () => now); // 1 MB/s, burst 100 kB
    expect(t.take(100_000)).toBe(0);
    expect(t.take(50_000)).toBe(50); // 50 kB over: 50 ms at 1 MB/s
    now += 50;
    expect(t.take(0)).toBe(0);
    now += 1000; // refills to the burst, not beyond
    expect(t.take(100_000)).toBe(0);
    expect(t.take(1)).toBe(1);
  });
});
