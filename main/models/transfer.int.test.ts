import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeHub } from '../../e2e/fixtures/fake-hub';
import type { HubEndpoint } from './hub-client';
import { BandwidthThrottle } from './limits';
import { progressRecordPath } from './segments';
import { downloadBlob, partialPath, type TransferSettings } from './transfer';

// Large enough for the worker-thread hasher (>= 16 MiB), small enough for a shared CI machine;
// 4 MiB segments over 4 connections.
const SIZE = 20 << 20;
const hub = new FakeHub();
const content = randomBytes(SIZE);
let commit: string;
let dir: string;
let ep: HubEndpoint;
const settings: TransferSettings = {
  stallTimeoutMs: 10_000,
  retryBaseMs: 10,
  retryMaxMs: 50,
  maxAttempts: 5,
  connectionsPerFile: 4,
  segmentBytes: 4 << 20,
};

beforeAll(async () => {
  await hub.start();
  commit = hub.addRepo('org/Big-GGUF', [{ path: 'Big-Q4_K_M.gguf', content }]);
  dir = mkdtempSync(join(tmpdir(), 'llamactl-transfer-'));
  ep = { url: hub.url };
});

afterAll(async () => {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

function target(name: string, sha256 = hub.fileSha256('org/Big-GGUF', 'Big-Q4_K_M.gguf')) {
  return {
    url: `${hub.url}/org/Big-GGUF/resolve/${commit}/Big-Q4_K_M.gguf`,
    blobPath: join(dir, name),
    size: SIZE,
    sha256,
    label: 'Big-Q4_K_M.gguf',
  };
}

describe('downloadBlob and planted links', () => {
  it('refuses to write through a partial file that is a symbolic link', async () => {
    const t = target('planted');
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, partialPath(t.blobPath));
    await expect(
      downloadBlob(ep, t, { signal: new AbortController().signal, settings }),
    ).rejects.toThrow(/symbolic link/);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(existsSync(t.blobPath)).toBe(false);
  });

  it('refuses to write the progress record through a symbolic link', async () => {
    const t = target('planted-record');
    const victim = join(dir, 'victim-record.txt');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, `${progressRecordPath(partialPath(t.blobPath))}.tmp`);
    await expect(
      downloadBlob(ep, t, { signal: new AbortController().signal, settings }),
    ).rejects.toThrow(/symbolic link/);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(existsSync(t.blobPath)).toBe(false);
  });
});

describe('downloadBlob on large files', () => {
  it('resumes a partial file written by one stream (no progress record) from its end, in segments, and verifies on the worker thread', async () => {
    const t = target('resume');
    writeFileSync(partialPath(t.blobPath), content.subarray(0, 7 << 20));
    hub.switches.cut = { path: 'Big-Q4_K_M.gguf', atByte: 13.5 * (1 << 20), times: 1 };
    const seen: number[] = [];
    await downloadBlob(ep, t, {
      signal: new AbortController().signal,
      settings,
      onProgress: (b) => seen.push(b),
    });
    hub.switches.cut = undefined;
    expect(readFileSync(t.blobPath).equals(content)).toBe(true);
    expect(existsSync(partialPath(t.blobPath))).toBe(false);
    expect(seen[0]).toBe(7 << 20);
    const ranges = hub.requests.filter((r) => r.range).map((r) => r.range);
    const MiB = 1 << 20;
    // the 13 MiB left are within the last 4 connections x 4 MiB: 1 MiB segments (the last
    // open-ended); the cut segment again from the cut only
    const expected = [`bytes=${13.5 * MiB}-${14 * MiB - 1}`, `bytes=${19 * MiB}-`];
    for (let m = 7; m < 19; m++) expected.push(`bytes=${m * MiB}-${(m + 1) * MiB - 1}`);
    expect(ranges.sort()).toEqual(expected.sort());
    expect(existsSync(progressRecordPath(partialPath(t.blobPath)))).toBe(false);
  });

  it('rejects a large file whose SHA-256 does not match and removes the partial file', async () => {
    const t = target('bad', 'f'.repeat(64));
    await expect(
      downloadBlob(ep, t, { signal: new AbortController().signal, settings }),
    ).rejects.toThrow(/checksum mismatch/);
    expect(existsSync(t.blobPath)).toBe(false);
    expect(existsSync(partialPath(t.blobPath))).toBe(false);
  });

  it('keeps the partial file and its progress record when aborted, and a second run fetches only the missing bytes', async () => {
    const t = target('abort');
    const MiB = 1 << 20;
    // [0, 4) MiB, then the last 16 MiB in 1 MiB segments; [5, 6) stalls, the others complete
    hub.switches.stall = { path: 'Big-Q4_K_M.gguf', atByte: 5 * MiB };
    const ctl = new AbortController();
    const run = downloadBlob(ep, t, {
      signal: ctl.signal,
      settings: { ...settings, stallTimeoutMs: 60_000 },
      onProgress: (b) => b === SIZE - MiB && ctl.abort(),
    });
    await expect(run).rejects.toThrow();
    hub.releaseStall();
    const partial = partialPath(t.blobPath);
    expect(statSync(partial).size).toBe(SIZE); // preallocated
    expect(JSON.parse(readFileSync(progressRecordPath(partial), 'utf8'))).toEqual({
      version: 1,
      size: SIZE,
      done: [
        [0, 5 * MiB],
        [6 * MiB, SIZE],
      ],
    });

    const from = hub.requests.length;
    await downloadBlob(ep, t, { signal: new AbortController().signal, settings });
    expect(hub.requests.slice(from).map((r) => r.range)).toEqual([
      `bytes=${5 * MiB}-${6 * MiB - 1}`,
    ]);
    expect(readFileSync(t.blobPath).equals(content)).toBe(true);
  });

  it('follows the hub to its CDN on another origin, sending the token to the hub only', async () => {
    const small = randomBytes(3 << 20);
    const privateCommit = hub.addRepo(
      'org/Private-GGUF',
      [{ path: 'p-Q4_K_M.gguf', content: small }],
      { private: true },
    );
    hub.switches.cdn = true;
    const from = hub.requests.length;
    try {
      const t = {
        url: `${hub.url}/org/Private-GGUF/resolve/${privateCommit}/p-Q4_K_M.gguf`,
        blobPath: join(dir, 'cdn'),
        size: small.length,
        sha256: hub.fileSha256('org/Private-GGUF', 'p-Q4_K_M.gguf'),
        label: 'p-Q4_K_M.gguf',
      };
      await downloadBlob({ url: hub.url, token: hub.switches.token }, t, {
        signal: new AbortController().signal,
        settings,
      });
      expect(readFileSync(t.blobPath).equals(small)).toBe(true);
    } finally {
      hub.switches.cdn = false;
    }
    const seen = hub.requests.slice(from);
    expect(seen.map((r) => [Boolean(r.cdn), Boolean(r.authorization)])).toEqual([
      [false, true],
      [true, false],
    ]);
  });

  it('fails at once, before any request, when the partial file cannot be written', async () => {
    const t = { ...target('unwritable'), blobPath: join(dir, 'no-such-dir', 'blob') };
    const from = hub.requests.length;
    await expect(
      downloadBlob(ep, t, { signal: new AbortController().signal, settings }),
    ).rejects.toThrow(/could not write .*no-such-dir/);
    expect(hub.requests.length - from).toBe(0);
  });

  it('spends every received byte on the shared bandwidth cap', async () => {
    const t = target('throttled');
    let taken = 0;
    const throttle = new (class extends BandwidthThrottle {
      override take(bytes: number): number {
        taken += bytes;
        return super.take(bytes);
      }
    })(1e12);
    await downloadBlob(ep, t, { signal: new AbortController().signal, settings, throttle });
    expect(taken).toBe(SIZE);
    expect(readFileSync(t.blobPath).equals(content)).toBe(true);
  });
});
