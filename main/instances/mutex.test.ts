import { Mutex } from './mutex';

describe('Mutex', () => {
  it('runs critical sections one at a time in arrival order', async () => {
    const m = new Mutex();
    const order: string[] = [];
    const job = (id: string) =>
      m.run(async () => {
        order.push(`${id}:in`);
        await new Promise((r) => setImmediate(r));
        order.push(`${id}:out`);
      });
    await Promise.all([job('a'), job('b'), job('c')]);
    expect(order).toEqual(['a:in', 'a:out', 'b:in', 'b:out', 'c:in', 'c:out']);
  });

  it('tryAcquire fails while held or while someone waits, and succeeds when free', async () => {
    const m = new Mutex();
    const release = await m.acquire();
    expect(m.tryAcquire()).toBeNull();
    const waiting = m.acquire();
    release();
    // the waiter is queued: a try must not jump ahead of it
    expect(m.tryAcquire()).toBeNull();
    (await waiting)();
    const r = m.tryAcquire();
    expect(r).not.toBeNull();
    expect(m.locked).toBe(true);
    r!();
    expect(m.locked).toBe(false);
  });
});
