import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  assertInsideCache,
  blobPath,
  deleteCached,
  linkSnapshotFile,
  repoDir,
  scanCache,
  writeManifest,
  writeRef,
} from './cache';

const COMMIT = 'a'.repeat(40);
const OID1 = '1'.repeat(64);
const OID2 = '2'.repeat(64);
let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'llamactl-cache-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function blob(repo: string, oid: string, bytes: number): void {
  mkdirSync(join(repoDir(root, repo), 'blobs'), { recursive: true });
  writeFileSync(blobPath(root, repo, oid), Buffer.alloc(bytes, 1));
}

describe('hub cache', () => {
  it('lists a repo written by another tool (no refs) per snapshot, nested files included', async () => {
    blob('org/x', OID1, 10);
    await linkSnapshotFile(root, 'org/x', COMMIT, 'sub/dir/model.safetensors', OID1);
    const [m] = await scanCache(root);
    expect(m.repo).toBe('org/x');
    expect(m.tag).toBe(COMMIT);
    expect(m.files.map((f) => [f.name, f.size_bytes])).toEqual([['sub/dir/model.safetensors', 10]]);
  });

  it('counts a blob once when two snapshot entries point at it', async () => {
    blob('org/x', OID1, 10);
    await linkSnapshotFile(root, 'org/x', COMMIT, 'a.gguf', OID1);
    await linkSnapshotFile(root, 'org/x', COMMIT, 'b.gguf', OID1);
    await writeRef(root, 'org/x', 'main', COMMIT);
    const [m] = await scanCache(root);
    expect(m.files).toHaveLength(2);
    expect(m.size_bytes).toBe(10);
  });

  it('keeps files a foreign ref at the same commit still lists when our tag is deleted', async () => {
    blob('org/x', OID1, 10);
    blob('org/x', OID2, 20);
    await linkSnapshotFile(root, 'org/x', COMMIT, 'x-Q4_K_M.gguf', OID1);
    await linkSnapshotFile(root, 'org/x', COMMIT, 'x-Q8_0.gguf', OID2);
    await writeRef(root, 'org/x', 'Q4_K_M', COMMIT);
    await writeManifest(root, 'org/x', {
      tag: 'Q4_K_M',
      commit: COMMIT,
      format: 'gguf',
      files: [{ path: 'x-Q4_K_M.gguf', type: 'gguf' }],
    });
    await writeRef(root, 'org/x', 'main', COMMIT); // written by huggingface_hub: owns the whole snapshot
    await deleteCached(root, 'org/x', 'Q4_K_M');
    expect(existsSync(blobPath(root, 'org/x', OID1))).toBe(true);
    expect(existsSync(join(repoDir(root, 'org/x'), 'refs', 'Q4_K_M'))).toBe(false);
    const models = await scanCache(root);
    expect(models.map((m) => [m.tag, m.files.length])).toEqual([['main', 2]]);
  });

  it('removes the repo folder when its last tag is deleted', async () => {
    blob('org/x', OID1, 10);
    await linkSnapshotFile(root, 'org/x', COMMIT, 'x-Q4_K_M.gguf', OID1);
    await writeRef(root, 'org/x', 'Q4_K_M', COMMIT);
    await writeManifest(root, 'org/x', {
      tag: 'Q4_K_M',
      commit: COMMIT,
      format: 'gguf',
      files: [{ path: 'x-Q4_K_M.gguf', type: 'gguf' }],
    });
    await deleteCached(root, 'org/x', 'Q4_K_M');
    expect(existsSync(repoDir(root, 'org/x'))).toBe(false);
  });

  it('refuses to delete through a blobs folder that is a link out of the cache', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'llamactl-outside-'));
    try {
      writeFileSync(join(outside, OID1), 'precious');
      mkdirSync(repoDir(root, 'org/x'), { recursive: true });
      symlinkSync(outside, join(repoDir(root, 'org/x'), 'blobs'));
      await linkSnapshotFile(root, 'org/x', COMMIT, 'x-Q4_K_M.gguf', OID1);
      await writeRef(root, 'org/x', 'Q4_K_M', COMMIT);
      await writeRef(root, 'org/x', 'other', 'b'.repeat(40));
      await writeManifest(root, 'org/x', {
        tag: 'Q4_K_M',
        commit: COMMIT,
        format: 'gguf',
        files: [{ path: 'x-Q4_K_M.gguf', type: 'gguf' }],
      });
      await expect(deleteCached(root, 'org/x', 'Q4_K_M')).rejects.toThrow(/outside the cache/);
      expect(readFileSync(join(outside, OID1), 'utf8')).toBe('precious');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('refuses a cache folder that resolves outside the cache root', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'llamactl-outside-'));
    try {
      mkdirSync(repoDir(root, 'org/x'), { recursive: true });
      symlinkSync(outside, join(repoDir(root, 'org/x'), 'blobs'));
      await expect(assertInsideCache(root, join(repoDir(root, 'org/x'), 'blobs'))).rejects.toThrow(
        /outside the cache/,
      );
      await expect(assertInsideCache(root, repoDir(root, 'org/x'))).resolves.toBeUndefined();
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('refuses to link a path that leaves the snapshot folder', async () => {
    blob('org/x', OID1, 10);
    await expect(
      linkSnapshotFile(root, 'org/x', COMMIT, '../../escape.gguf', OID1),
    ).rejects.toThrow(/unsafe file path/);
    expect(existsSync(join(repoDir(root, 'org/x'), 'escape.gguf'))).toBe(false);
  });
});
