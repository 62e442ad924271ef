import { constants } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { openNoFollow } from './no-follow';

/** A byte range `[start, end)` of a file. */
export type ByteRange = readonly [start: number, end: number];

/**
 * The bytes of a partial file known to be written, as sorted, disjoint, non-touching ranges.
 * Segments add their bytes as their writes complete, so the set never claims data that is not
 * in the file yet.
 */
export class RangeSet {
  private ranges: [number, number][] = [];

  constructor(ranges: readonly ByteRange[] = []) {
    for (const [s, e] of ranges) this.add(s, e);
  }

  add(start: number, end: number): void {
    if (end <= start) return;
    const out: [number, number][] = [];
    let s = start;
    let e = end;
    let placed = false;
    for (const r of this.ranges) {
      if (r[1] < s) out.push(r);
      else if (r[0] > e) {
        if (!placed) {
          out.push([s, e]);
          placed = true;
        }
        out.push(r);
      } else {
        s = Math.min(s, r[0]);
        e = Math.max(e, r[1]);
      }
    }
    if (!placed) out.push([s, e]);
    this.ranges = out;
  }

  /** bytes covered */
  get total(): number {
    let n = 0;
    for (const [s, e] of this.ranges) n += e - s;
    return n;
  }

  /** end of the range that starts at byte 0 (0 when byte 0 is missing): what can be hashed */
  get prefix(): number {
    const first = this.ranges[0];
    return first && first[0] === 0 ? first[1] : 0;
  }

  /** the gaps in `[0, size)` */
  missing(size: number): ByteRange[] {
    const out: ByteRange[] = [];
    let pos = 0;
    for (const [s, e] of this.ranges) {
      if (s >= size) break;
      if (s > pos) out.push([pos, s]);
      pos = Math.max(pos, e);
    }
    if (pos < size) out.push([pos, size]);
    return out;
  }

  toJSON(): ByteRange[] {
    return this.ranges.map(([s, e]) => [s, e] as const);
  }
}

/**
 * The gaps cut into segments of at most `segmentBytes`, in file order. When there is more than
 * one segment, the last `connections x segmentBytes` bytes are cut four times finer: the final wave of segments then
 * ends together and small, so little is left to hash after the last byte (the hash can only
 * follow the lowest unfinished segment) and no connection runs alone at the end.
 */
export function planSegments(
  missing: readonly ByteRange[],
  segmentBytes: number,
  connections = 1,
): ByteRange[] {
  const fine = Math.max(1 << 20, Math.ceil(segmentBytes / 4));
  let left = missing.reduce((n, [s, e]) => n + e - s, 0);
  // what fits one segment stays one request
  if (left <= segmentBytes) connections = 1;
  const out: ByteRange[] = [];
  for (const [s, e] of missing) {
    for (let pos = s; pos < e;) {
      const step = connections > 1 && left <= connections * segmentBytes ? fine : segmentBytes;
      const end = Math.min(e, pos + step);
      out.push([pos, end]);
      left -= end - pos;
      pos = end;
    }
  }
  return out;
}

/**
 * The progress record next to a partial file, `<blob>.incomplete.progress`: which byte ranges of
 * the (preallocated, so full-size) partial file hold downloaded data. Without it a restart could
 * not tell written segments from holes. A partial file without a record was written from the
 * start by one stream (an earlier version, or huggingface_hub): its length is its progress.
 */
export function progressRecordPath(partial: string): string {
  return `${partial}.progress`;
}

interface ProgressRecord {
  version: 1;
  size: number;
  done: ByteRange[];
}

/** The record's ranges when it exists and describes a file of `size` bytes, else undefined. */
export async function readProgressRecord(
  partial: string,
  size: number,
): Promise<RangeSet | undefined> {
  let raw: string;
  try {
    const fh = await openNoFollow(progressRecordPath(partial), constants.O_RDONLY);
    try {
      raw = await fh.readFile('utf8');
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
  try {
    const rec = JSON.parse(raw) as Partial<ProgressRecord>;
    if (rec.version !== 1 || rec.size !== size || !Array.isArray(rec.done)) return undefined;
    const set = new RangeSet();
    for (const r of rec.done) {
      if (
        !Array.isArray(r) ||
        r.length !== 2 ||
        !Number.isSafeInteger(r[0]) ||
        !Number.isSafeInteger(r[1]) ||
        r[0] < 0 ||
        r[1] > size
      )
        return undefined;
      set.add(r[0], r[1]);
    }
    return set;
  } catch {
    return undefined;
  }
}

/** Replaces the record atomically (write a temporary file, rename it over the record). */
export async function writeProgressRecord(
  partial: string,
  size: number,
  done: RangeSet,
): Promise<void> {
  const path = progressRecordPath(partial);
  const rec: ProgressRecord = { version: 1, size, done: done.toJSON() };
  const fh = await openNoFollow(
    `${path}.tmp`,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC,
  );
  try {
    await fh.writeFile(JSON.stringify(rec));
  } finally {
    await fh.close();
  }
  // rename replaces a link at `path` itself, it does not write through it
  await rename(`${path}.tmp`, path);
}

export async function removeProgressRecord(partial: string): Promise<void> {
  await unlink(progressRecordPath(partial)).catch(() => {});
}
