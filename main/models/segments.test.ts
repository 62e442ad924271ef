import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  RangeSet,
  planSegments,
  progressRecordPath,
  readProgressRecord,
  writeProgressRecord,
} from './segments';

describe('RangeSet', () => {
  it('merges overlapping and touching ranges and keeps gaps apart', () => {
    const s = new RangeSet();
    s.add(10, 20);
    s.add(30, 40);
    s.add(20, 25); // touches [10, 20)
    s.add(38, 50); // overlaps [30, 40)
    s.add(5, 5); // empty
    expect(s.toJSON()).toEqual([
      [10, 25],
      [30, 50],
    ]);
    expect(s.total).toBe(35);
    s.add(0, 31);
    expect(s.toJSON()).toEqual([[0, 50]]);
  });

  it('reports the hashable prefix only when byte 0 is written', () => {
    const s = new RangeSet([[4, 8]]);
    expect(s.prefix).toBe(0);
    s.add(0, 2);
    expect(s.prefix).toBe(2);
    s.add(2, 4);
    expect(s.prefix).toBe(8);
  });

  it('lists the gaps of a file, including its end', () => {
    const s = new RangeSet([
      [2, 4],
      [6, 7],
    ]);
    expect(s.missing(10)).toEqual([
      [0, 2],
      [4, 6],
      [7, 10],
    ]);
    expect(new RangeSet([[0, 10]]).missing(10)).toEqual([]);
  });
});

describe('planSegments', () => {
  it('cuts the last connections x segment size bytes four times finer', () => {
    const MiB = 1 << 20;
    const cuts = planSegments([[0, 40 * MiB]], 8 * MiB, 2).map(([s, e]) => (e - s) / MiB);
    // 24 MiB in 8 MiB segments, the last 16 MiB in 2 MiB segments
    expect(cuts).toEqual([8, 8, 8, 2, 2, 2, 2, 2, 2, 2, 2]);
    expect(planSegments([[0, 8 * MiB]], 8 * MiB, 2)).toEqual([[0, 8 * MiB]]);
  });

  it('cuts each gap into segments of at most the segment size, in file order', () => {
    expect(
      planSegments(
        [
          [0, 10],
          [15, 18],
        ],
        4,
      ),
    ).toEqual([
      [0, 4],
      [4, 8],
      [8, 10],
      [15, 18],
    ]);
  });
});

describe('progress record', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llamactl-segments-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips the written ranges of a file of the given size', async () => {
    const partial = join(dir, 'a.incomplete');
    await writeProgressRecord(
      partial,
      100,
      new RangeSet([
        [0, 10],
        [50, 60],
      ]),
    );
    expect((await readProgressRecord(partial, 100))?.toJSON()).toEqual([
      [0, 10],
      [50, 60],
    ]);
  });

  it('ignores a record for another size, a damaged record and ranges past the end', async () => {
    const partial = join(dir, 'b.incomplete');
    await writeProgressRecord(partial, 100, new RangeSet([[0, 10]]));
    expect(await readProgressRecord(partial, 99)).toBeUndefined();
    writeFileSync(progressRecordPath(partial), '{"version":1,"size":100,"done":[[0,');
    expect(await readProgressRecord(partial, 100)).toBeUndefined();
    writeFileSync(
      progressRecordPath(partial),
      JSON.stringify({ version: 1, size: 100, done: [[90, 101]] }),
    );
    expect(await readProgressRecord(partial, 100)).toBeUndefined();
    expect(await readProgressRecord(join(dir, 'none.incomplete'), 100)).toBeUndefined();
  });
});
