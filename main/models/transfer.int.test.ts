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
import { downloadBlob, partialPath, type TransferSettings } from './transfer';

// Large enough for the worker-thread hasher (>= 16 MiB), small enough for a shared CI machine.
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
});

describe('downloadBlob on large files', () => {
  it('resumes from an existing partial file, hashing it first, and verifies on the worker thread', async () => {
    const t = target('resume');
    writeFileSync(partialPath(t.blobPath), content.subarray(0, 7 << 20));
    hub.switches.cut = { path: 'Big-Q4_K_M.gguf', atByte: 13 << 20, times: 1 };
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
    expect(ranges).toEqual([`bytes=${7 << 20}-`, `bytes=${13 << 20}-`]);
  });

  it('rejects a large file whose SHA-256 does not match and removes the partial file', async () => {
    const t = target('bad', 'f'.repeat(64));
    await expect(
      downloadBlob(ep, t, { signal: new AbortController().signal, settings }),
    ).rejects.toThrow(/checksum mismatch/);
    expect(existsSync(t.blobPath)).toBe(false);
    expect(existsSync(partialPath(t.blobPath))).toBe(false);
  });

  it('keeps the partial file when aborted', async () => {
    const t = target('abort');
    hub.switches.stall = { path: 'Big-Q4_K_M.gguf', atByte: 5 << 20 };
    const ctl = new AbortController();
    const run = downloadBlob(ep, t, {
      signal: ctl.signal,
      settings: { ...settings, stallTimeoutMs: 60_000 },
      onProgress: (b) => b === 5 << 20 && ctl.abort(),
    });
    await expect(run).rejects.toThrow();
    hub.releaseStall();
    expect(statSync(partialPath(t.blobPath)).size).toBe(5 << 20);
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

  it('fails at once, without retrying, when the partial file cannot be written', async () => {
    const t = { ...target('unwritable'), blobPath: join(dir, 'no-such-dir', 'blob') };
    const from = hub.requests.length;
    await expect(
      downloadBlob(ep, t, { signal: new AbortController().signal, settings }),
    ).rejects.toThrow(/could not write .*no-such-dir/);
    expect(hub.requests.length - from).toBe(1);
  });
});
