import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, readlink, realpath, symlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import yauzl from 'yauzl';

/** An archive that must not be unpacked (unsafe entry, damaged, too large). */
export class ArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveError';
  }
}

export interface UnpackLimits {
  /** sum of the entries' sizes (a llama.cpp build is well under 1 GB; CUDA ones about 600 MB) */
  maxBytes: number;
  maxEntries: number;
}

export const DEFAULT_UNPACK_LIMITS: UnpackLimits = { maxBytes: 8 * 1024 ** 3, maxEntries: 20_000 };

/**
 * A relative entry path that stays inside the folder: no absolute paths, drive letters,
 * backslashes, NUL, or `..` segments. Returns the path with `./` and empty segments removed.
 */
export function safeEntryPath(name: string): string {
  if (name.includes('\0')) throw new ArchiveError(`entry "${printable(name)}" contains a NUL byte`);
  if (name.includes('\\'))
    throw new ArchiveError(`entry "${printable(name)}" contains a backslash`);
  if (isAbsolute(name) || /^[a-zA-Z]:/.test(name))
    throw new ArchiveError(`entry "${printable(name)}" is an absolute path`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..'))
    throw new ArchiveError(`entry "${printable(name)}" leads out of the folder (..)`);
  return parts.join('/');
}

/** A symbolic link's target must resolve inside the folder, relative to the link's own folder. */
function checkLinkTarget(entry: string, target: string, hard: boolean): void {
  if (!target || isAbsolute(target) || /^[a-zA-Z]:/.test(target) || target.includes('\\'))
    throw new ArchiveError(
      `entry "${printable(entry)}" links to "${printable(target)}", outside the folder`,
    );
  const base = hard ? '.' : dirname(entry);
  const resolved = join(base, target);
  if (resolved === '..' || resolved.startsWith('..' + '/') || resolved.startsWith('..' + sep))
    throw new ArchiveError(
      `entry "${printable(entry)}" links to "${printable(target)}", outside the folder`,
    );
}

function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f]/g, '?').slice(0, 200);
}

const TAR_TYPES = new Set([
  'File',
  'OldFile',
  'ContiguousFile',
  'Directory',
  'SymbolicLink',
  'Link',
]);

/**
 * Unpacks a `.tar.gz` into `dest` (an empty folder). Every entry is checked in a first pass
 * before anything is written: a `../` or absolute path, a link leading out, a device or FIFO,
 * or an archive larger than the limits fails the whole archive. node-tar then extracts with its
 * own protections on (no absolute paths, no writing through links), strictly (a damaged or
 * truncated archive is an error, not a warning).
 */
export async function unpackTarGz(
  file: string,
  dest: string,
  limits: UnpackLimits = DEFAULT_UNPACK_LIMITS,
): Promise<void> {
  let problem: Error | null = null;
  let bytes = 0;
  let entries = 0;
  try {
    await tar.t({
      file,
      strict: true,
      onReadEntry: (entry) => {
        if (problem) return;
        try {
          entries++;
          bytes += entry.size ?? 0;
          if (entries > limits.maxEntries)
            throw new ArchiveError(`more than ${limits.maxEntries} entries`);
          if (bytes > limits.maxBytes)
            throw new ArchiveError(`unpacks to more than ${limits.maxBytes} bytes`);
          if (!TAR_TYPES.has(entry.type))
            throw new ArchiveError(
              `entry "${printable(entry.path)}" is a ${entry.type}, which a build never holds`,
            );
          const path = safeEntryPath(entry.path);
          if (entry.type === 'SymbolicLink' || entry.type === 'Link')
            checkLinkTarget(path, entry.linkpath ?? '', entry.type === 'Link');
        } catch (err) {
          problem = err as Error;
        }
      },
    });
  } catch (err) {
    throw damaged(err);
  }
  if (problem) throw problem;
  try {
    await tar.x({
      file,
      cwd: dest,
      strict: true,
      preservePaths: false,
      preserveOwner: false,
    });
  } catch (err) {
    throw damaged(err);
  }
  await assertContained(dest);
}

function damaged(err: unknown): Error {
  if (err instanceof ArchiveError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ArchiveError(`the archive is damaged or incomplete (${message})`);
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

/**
 * Unpacks a `.zip` into `dest` (an empty folder) with yauzl: the central directory is read first,
 * every name checked as for tar, symbolic links (Unix mode in the external attributes) created
 * only when their target stays inside, files written with their permission bits (executables
 * stay executable) and never through an existing link.
 */
export async function unpackZip(
  file: string,
  dest: string,
  limits: UnpackLimits = DEFAULT_UNPACK_LIMITS,
): Promise<void> {
  let zip: yauzl.ZipFile;
  try {
    zip = await new Promise<yauzl.ZipFile>((res, rej) =>
      yauzl.open(
        file,
        // Names are decoded and checked here (decodeStrings: false) so an unsafe one gets our
        // message rather than a generic "invalid relative path".
        { lazyEntries: true, autoClose: false, validateEntrySizes: true, decodeStrings: false },
        (err, z) => (err || !z ? rej(err) : res(z)),
      ),
    );
  } catch (err) {
    throw damaged(err);
  }
  try {
    const all = await new Promise<yauzl.Entry[]>((res, rej) => {
      const list: yauzl.Entry[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        list.push(e);
        zip.readEntry();
      });
      zip.on('end', () => res(list));
      zip.on('error', rej);
      zip.readEntry();
    }).catch((err) => {
      throw damaged(err);
    });
    if (all.length > limits.maxEntries)
      throw new ArchiveError(`more than ${limits.maxEntries} entries`);
    const total = all.reduce((n, e) => n + e.uncompressedSize, 0);
    if (total > limits.maxBytes)
      throw new ArchiveError(`unpacks to more than ${limits.maxBytes} bytes`);
    const kinds = all.map((e) => {
      const mode = (e.externalFileAttributes >>> 16) & 0xffff;
      const name = Buffer.from(e.fileName as unknown as Uint8Array).toString('utf8');
      const path = safeEntryPath(name);
      const fmt = mode & S_IFMT;
      const type =
        name.endsWith('/') || fmt === S_IFDIR ? 'dir' : fmt === S_IFLNK ? 'link' : 'file';
      return { e, mode, path, type, linkTarget: '' };
    });
    // Link targets are entry contents: all are read and checked before anything is written.
    for (const k of kinds.filter((x) => x.type === 'link')) {
      const chunks: Buffer[] = [];
      for await (const c of await openEntry(zip, k.e)) chunks.push(c as Buffer);
      k.linkTarget = Buffer.concat(chunks).toString('utf8');
      checkLinkTarget(k.path, k.linkTarget, false);
    }
    for (const k of kinds) {
      if (!k.path) continue;
      const target = join(dest, k.path);
      if (k.type === 'dir') {
        await mkdir(target, { recursive: true });
        continue;
      }
      await mkdir(dirname(target), { recursive: true });
      if (k.type === 'link') {
        await symlink(k.linkTarget, target);
        continue;
      }
      const stream = await openEntry(zip, k.e);
      const perm = k.mode & 0o777 ? k.mode & 0o777 : 0o644;
      const fd = await open(
        target,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0),
        perm,
      );
      await pipeline(stream, fd.createWriteStream()).catch((err) => {
        throw damaged(err);
      });
    }
  } finally {
    zip.close();
  }
  await assertContained(dest);
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((res, rej) =>
    zip.openReadStream(entry, (err, s) => (err || !s ? rej(damaged(err)) : res(s))),
  );
}

/**
 * After unpacking: every link in the tree resolves inside it. The per-entry checks already
 * guarantee this; this walk is the proof on the real file system (links to links included).
 */
async function assertContained(root: string): Promise<void> {
  const realRoot = await realpath(root);
  const walk = async (dir: string): Promise<void> => {
    for (const name of await readdir(dir)) {
      const p = join(dir, name);
      const st = await lstat(p);
      if (st.isSymbolicLink()) {
        let to: string;
        try {
          to = await realpath(p);
        } catch {
          throw new ArchiveError(
            `entry "${relative(root, p)}" is a broken link (to "${await readlink(p)}")`,
          );
        }
        if (to !== realRoot && !to.startsWith(realRoot + sep))
          throw new ArchiveError(`entry "${relative(root, p)}" links outside the folder`);
      } else if (st.isDirectory()) {
        await walk(p);
      }
    }
  };
  await walk(resolve(root));
}

/** Unpacks by the file name's extension. */
export function unpackArchive(
  file: string,
  name: string,
  dest: string,
  limits?: UnpackLimits,
): Promise<void> {
  if (/\.tar\.gz$|\.tgz$/i.test(name)) return unpackTarGz(file, dest, limits);
  if (/\.zip$/i.test(name)) return unpackZip(file, dest, limits);
  return Promise.reject(new ArchiveError(`${name}: not a .tar.gz or .zip archive`));
}
