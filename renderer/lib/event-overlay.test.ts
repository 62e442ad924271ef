import { describe, expect, it } from 'vitest';
import { EventOverlay } from './event-overlay';

type Item = { id: string; v: number };

/** An overlay on a hand-driven clock, and a fetch whose answer the test releases. */
function setup() {
  let t = 0;
  const overlay = new EventOverlay<Item>(
    (i) => i.id,
    () => t,
  );
  const tick = () => ++t;
  const pending = () => {
    let answer!: (list: Item[]) => void;
    const result = overlay.fetch(() => new Promise<Item[]>((r) => (answer = r)));
    return { answer: (list: Item[]) => answer(list), result };
  };
  return { overlay, tick, pending };
}

describe('EventOverlay', () => {
  it('lays changes that arrived during the fetch over its older answer', async () => {
    const { overlay, tick, pending } = setup();
    const f = pending();
    tick();
    overlay.note('a', { id: 'a', v: 2 }); // changed after the server may have read the list
    overlay.note('c', { id: 'c', v: 1 }); // created meanwhile
    overlay.note('b', null); // deleted meanwhile
    f.answer([
      { id: 'a', v: 1 },
      { id: 'b', v: 1 },
    ]);
    expect(await f.result).toEqual([
      { id: 'a', v: 2 },
      { id: 'c', v: 1 },
    ]);
  });

  it('keeps the answer of a fetch that began after the change (it is newer)', async () => {
    const { overlay, tick, pending } = setup();
    const first = pending();
    overlay.note('a', { id: 'a', v: 2 });
    tick();
    const second = pending(); // began after the change
    first.answer([{ id: 'a', v: 2 }]);
    await first.result;
    second.answer([{ id: 'a', v: 3 }]);
    expect(await second.result).toEqual([{ id: 'a', v: 3 }]);
  });

  it('still serves an older fetch its later changes when a newer fetch ends first', async () => {
    const { overlay, tick, pending } = setup();
    const older = pending();
    tick();
    overlay.note('a', { id: 'a', v: 2 });
    tick();
    const newer = pending();
    newer.answer([{ id: 'a', v: 2 }]);
    await newer.result;
    older.answer([{ id: 'a', v: 1 }]);
    expect(await older.result).toEqual([{ id: 'a', v: 2 }]);
  });

  it('remembers nothing while no fetch is on its way, and forgets once all have ended', async () => {
    const { overlay, tick, pending } = setup();
    overlay.note('a', { id: 'a', v: 9 }); // no fetch: the next one reads it anyway
    tick();
    const f = pending();
    f.answer([{ id: 'a', v: 1 }]);
    expect(await f.result).toEqual([{ id: 'a', v: 1 }]);
    tick();
    const g = pending();
    g.answer([{ id: 'a', v: 5 }]);
    expect(await g.result).toEqual([{ id: 'a', v: 5 }]);
  });

  it('completes under a dense burst of changes instead of being re-issued', async () => {
    const { overlay, tick, pending } = setup();
    const f = pending();
    for (let i = 0; i < 1000; i++) {
      tick();
      overlay.note('job', { id: 'job', v: i });
    }
    f.answer([{ id: 'job', v: -1 }]);
    expect(await f.result).toEqual([{ id: 'job', v: 999 }]);
  });

  it('forgets the fetch when it fails', async () => {
    const { overlay, tick } = setup();
    await expect(overlay.fetch(() => Promise.reject(new Error('offline')))).rejects.toThrow(
      'offline',
    );
    overlay.note('a', { id: 'a', v: 1 }); // no fetch on its way any more: not kept
    tick();
    expect(await overlay.fetch(async () => [])).toEqual([]);
  });
  describe('fetchOne', () => {
    const one = (overlay: EventOverlay<Item>) => {
      let answer!: (item: Item) => void;
      const result = overlay.fetchOne(() => new Promise<Item>((r) => (answer = r)));
      return { answer: (item: Item) => answer(item), result };
    };

    it('gives a change that arrived during the request precedence over its answer', async () => {
      const { overlay, tick } = setup();
      const f = one(overlay);
      tick();
      overlay.note('a', { id: 'a', v: 3 }); // e.g. `failed`, sent before the answer was read
      f.answer({ id: 'a', v: 2 });
      expect(await f.result).toEqual({ id: 'a', v: 3 });
    });

    it('says null when the item was removed during the request', async () => {
      const { overlay, tick } = setup();
      const f = one(overlay);
      tick();
      overlay.note('a', null);
      f.answer({ id: 'a', v: 2 });
      expect(await f.result).toBeNull();
    });

    it('keeps the answer when only other items changed, or the change came before', async () => {
      const { overlay, tick } = setup();
      const list = overlay.fetch(() => new Promise<Item[]>(() => {})); // keeps notes alive
      overlay.note('a', { id: 'a', v: 1 });
      tick();
      const f = one(overlay);
      tick();
      overlay.note('b', { id: 'b', v: 9 });
      f.answer({ id: 'a', v: 2 });
      expect(await f.result).toEqual({ id: 'a', v: 2 });
      void list;
    });
  });
});
