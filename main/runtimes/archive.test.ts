import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tarArchive, zipArchive, type ArchiveEntry } from '../../e2e/fixtures/fake-releases';
import { safeEntryPath, unpackTarGz, unpackZip } from './archive';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'llamactl-archive-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function files(entries: ArchiveEntry[], kind: 'tgz' | 'zip'): { file: string; dest: string } {
  const file = join(dir, kind === 'tgz' ? 'a.tar.gz' : 'a.zip');
  writeFileSync(file, kind === 'tgz' ? gzipSync(tarArchive(entries)) : zipArchive(entries));
  const dest = join(dir, 'out');
  mkdirSync(dest);
  return { file, dest };
}

const unpack = { tgz: unpackTarGz, zip: unpackZip };

describe.each(['tgz', 'zip'] as const)('unpacking a %s', (kind) => {
  it('keeps folders, executable bits and links inside the folder', async () => {
    const { file, dest } = files(
      [
        { path: 'top', type: 'dir' },
        { path: 'top/llama-server', content: '#!/bin/sh\n', mode: 0o755 },
        { path: 'top/lib.so', content: 'x' },
        { path: 'top/lib.so.0', type: 'symlink', linkTarget: 'lib.so' },
      ],
      kind,
    );
    await unpack[kind](file, dest);
    expect(statSync(join(dest, 'top/llama-server')).mode & 0o111).not.toBe(0);
    expect(lstatSync(join(dest, 'top/lib.so.0')).isSymbolicLink()).toBe(true);
  });

  it.each([
    ['a ../ entry', { path: 'top/../../evil', content: 'x' }, /leads out of the folder/],
    ['an absolute path', { path: '/tmp/evil', content: 'x' }, /absolute path/],
    [
      'a link leading out',
      { path: 'l', type: 'symlink', linkTarget: '../../x' },
      /outside the folder/,
    ],
    [
      'an absolute link',
      { path: 'l', type: 'symlink', linkTarget: '/etc/passwd' },
      /outside the folder/,
    ],
  ] as const)('refuses %s before writing anything', async (_what, entry, reason) => {
    const { file, dest } = files(
      [{ path: 'ok.txt', content: 'fine' }, entry as ArchiveEntry],
      kind,
    );
    await expect(unpack[kind](file, dest)).rejects.toThrow(reason);
    expect(readdirSync(dest)).toEqual([]);
    expect(existsSync(join(dir, 'evil'))).toBe(false);
  });

  it('refuses a truncated archive', async () => {
    const { file, dest } = files([{ path: 'f', content: 'y'.repeat(5000) }], kind);
    const whole = readFileSync(file);
    writeFileSync(file, whole.subarray(0, Math.floor(whole.length / 2)));
    await expect(unpack[kind](file, dest)).rejects.toThrow(/damaged or incomplete/);
  });

  it('refuses an archive larger than the limits', async () => {
    const { file, dest } = files([{ path: 'f', content: 'y'.repeat(5000) }], kind);
    await expect(unpack[kind](file, dest, { maxBytes: 1000, maxEntries: 10 })).rejects.toThrow(
      /more than 1000 bytes/,
    );
  });
});

describe('entry paths', () => {
  it.each(['a/../../b', '..', 'C:/x', 'a\\b', 'a\0b'])('refuses %j', (p) => {
    expect(() => safeEntryPath(p)).toThrow();
  });
  it('normalises ./ and empty segments', () => {
    expect(safeEntryPath('./a//b/')).toBe('a/b');
  });
});
