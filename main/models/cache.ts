import { existsSync } from 'node:fs';
import {
  link,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  realpath,
  rename,
  rm,
  rmdir,
  stat,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { AppError } from '../../shared/errors';
import type {
  CachedModel,
  CachedModelFile,
  DownloadFormat,
  ModelFileType,
} from '../../shared/api/models';
import { repoFolderName, repoFromFolderName, unsafeHubPathReason } from './hub-paths';
import { fileTypeOf } from './select-files';

/**
 * The Hugging Face hub cache layout, shared with huggingface_hub and llama.cpp:
 *   models--org--name/blobs/<oid>                  content-addressed files
 *   models--org--name/snapshots/<commit>/<path>    relative symlinks into blobs/ (nested as on the hub)
 *   models--org--name/refs/<tag>                   the commit a tag points at
 * plus our own `.llamactl/tags/<tag>.json`: the files each tag downloaded. Two tags at one commit
 * share a snapshot folder, so without it listing and deleting one tag would touch the other's
 * files (llamactl's bug); other tools ignore the extra folder.
 */

export interface TagManifest {
  tag: string;
  commit: string;
  format: DownloadFormat;
  /** snapshot-relative paths */
  files: { path: string; type: ModelFileType }[];
  /** snapshot-relative path of the main GGUF */
  main?: string;
}

export function repoDir(hubRoot: string, repo: string): string {
  return join(hubRoot, repoFolderName(repo));
}

export function snapshotDir(hubRoot: string, repo: string, commit: string): string {
  return join(repoDir(hubRoot, repo), 'snapshots', commit);
}

export function blobPath(hubRoot: string, repo: string, oid: string): string {
  return join(repoDir(hubRoot, repo), 'blobs', oid);
}

function manifestPath(dir: string, tag: string): string {
  return join(dir, '.llamactl', 'tags', `${tag}.json`);
}

/** Joins a checked hub path under a folder, and checks again that it stays inside. */
export function safeJoin(base: string, hubPath: string): string {
  const reason = unsafeHubPathReason(hubPath);
  if (reason)
    throw new AppError('download_failed', `unsafe file path ${JSON.stringify(hubPath)}: ${reason}`);
  const full = resolve(base, ...hubPath.split('/'));
  if (!full.startsWith(resolve(base) + sep))
    throw new AppError('download_failed', `unsafe file path ${JSON.stringify(hubPath)}`);
  return full;
}

/**
 * Throws unless `path` (which must exist) resolves inside the cache root. A folder of the cache
 * (`blobs/`, `snapshots/`, a repo folder) replaced by a symbolic link to somewhere else would
 * otherwise make a delete remove, or a download write, files outside the cache.
 */
export async function assertInsideCache(hubRoot: string, path: string): Promise<void> {
  const [root, real] = await Promise.all([realpath(hubRoot), realpath(path)]);
  if (real !== root && !real.startsWith(root + sep)) {
    throw new AppError(
      'unsafe_cache_path',
      `${path} resolves to ${real}, outside the cache ${root}; refusing to write or delete there`,
    );
  }
}

async function writeAtomic(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, content);
  await rename(tmp, path);
}

/** Points snapshots/<commit>/<path> at the blob (relative symlink, hard link where symlinks are not allowed). */
export async function linkSnapshotFile(
  hubRoot: string,
  repo: string,
  commit: string,
  hubPath: string,
  oid: string,
): Promise<string> {
  const snap = snapshotDir(hubRoot, repo, commit);
  const file = safeJoin(snap, hubPath);
  const blob = blobPath(hubRoot, repo, oid);
  await mkdir(dirname(file), { recursive: true });
  const target = relative(dirname(file), blob);
  try {
    const current = await readlink(file);
    if (current === target) return file;
    await unlink(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EINVAL')
      await unlink(file); // a regular file (e.g. an earlier hard link)
    else if (code !== 'ENOENT') throw err;
  }
  try {
    await symlink(target, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // two jobs sharing a file (an mmproj used by two tags) may link it at the same moment
    if (code === 'EEXIST' && (await readlink(file).catch(() => '')) === target) return file;
    if (code !== 'EPERM' && code !== 'EACCES' && code !== 'ENOTSUP') throw err;
    const tmp = `${file}.tmp`;
    await rm(tmp, { force: true });
    await link(blob, tmp);
    await rename(tmp, file);
  }
  return file;
}

export async function writeRef(
  hubRoot: string,
  repo: string,
  tag: string,
  commit: string,
): Promise<void> {
  await writeAtomic(join(repoDir(hubRoot, repo), 'refs', tag), commit);
}

export async function writeManifest(hubRoot: string, repo: string, m: TagManifest): Promise<void> {
  await writeAtomic(manifestPath(repoDir(hubRoot, repo), m.tag), JSON.stringify(m, null, 2));
}

async function readManifest(dir: string, tag: string): Promise<TagManifest | undefined> {
  try {
    const m = JSON.parse(await readFile(manifestPath(dir, tag), 'utf8')) as TagManifest;
    if (!Array.isArray(m.files) || typeof m.commit !== 'string') return undefined;
    return m;
  } catch {
    return undefined;
  }
}

/** Regular files of refs/ (refs/pr/* and other sub-folders are skipped, as llamactl does). */
async function readRefs(dir: string): Promise<Map<string, string> | undefined> {
  const refsDir = join(dir, 'refs');
  let names: string[];
  try {
    names = (await readdir(refsDir, { withFileTypes: true }))
      .filter((d) => d.isFile() && !d.name.includes('.tmp'))
      .map((d) => d.name);
  } catch {
    return undefined;
  }
  const refs = new Map<string, string>();
  for (const name of names.sort()) {
    const commit = (await readFile(join(refsDir, name), 'utf8').catch(() => '')).trim();
    if (/^[0-9a-f]{7,40}$/.test(commit)) refs.set(name, commit);
  }
  return refs;
}

/** Every file under a snapshot folder, as snapshot-relative forward-slash paths. */
async function snapshotFiles(snap: string, prefix = ''): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(join(snap, prefix), { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await snapshotFiles(snap, rel)));
    else if (!e.name.endsWith('.tmp')) out.push(rel);
  }
  return out.sort();
}

/** The files a tag owns: its manifest, or (for refs written by other tools) the whole snapshot. */
async function tagFiles(
  dir: string,
  tag: string,
  commit: string,
): Promise<{ files: { path: string; type: ModelFileType }[]; manifest?: TagManifest }> {
  const manifest = await readManifest(dir, tag);
  if (manifest && manifest.commit === commit) return { files: manifest.files, manifest };
  const paths = await snapshotFiles(join(dir, 'snapshots', commit));
  return { files: paths.map((p) => ({ path: p, type: fileTypeOf(p) })) };
}

export interface ScannedModel extends Omit<CachedModel, 'node'> {
  /** absolute path of the main GGUF (first shard), for metadata */
  mainGguf?: string;
  /** all shards of the main GGUF */
  mainGgufParts?: string[];
}

async function describe(
  dir: string,
  repo: string,
  tag: string | undefined,
  commit: string,
  files: { path: string; type: ModelFileType }[],
  main?: string,
): Promise<ScannedModel | undefined> {
  const snap = join(dir, 'snapshots', commit);
  const listed: CachedModelFile[] = [];
  const seenBlobs = new Set<string>();
  let total = 0;
  for (const f of files) {
    const path = join(snap, ...f.path.split('/'));
    let size: number;
    let real: string;
    try {
      const lst = await lstat(path);
      real = lst.isSymbolicLink() ? resolve(dirname(path), await readlink(path)) : path;
      size = (await stat(real)).size;
    } catch {
      continue; // link without blob: not listed
    }
    listed.push({ name: f.path, path, size_bytes: size, type: f.type });
    if (!seenBlobs.has(real)) {
      seenBlobs.add(real);
      total += size;
    }
  }
  if (listed.length === 0) return undefined;
  const ggufs = listed.filter((f) => f.type === 'gguf');
  const mainFile = (main && ggufs.find((f) => f.name === main)) || ggufs[0];
  const model: ScannedModel = { repo, files: listed, size_bytes: total, commit };
  if (tag !== undefined) model.tag = tag;
  if (mainFile) {
    model.mainGguf = mainFile.path;
    const shard = /^(.*)-\d{5}-of-(\d{5})\.gguf$/i.exec(mainFile.name);
    model.mainGgufParts = shard
      ? ggufs
          .filter(
            (f) =>
              f.name.startsWith(shard[1]) && f.name.toLowerCase().endsWith(`-of-${shard[2]}.gguf`),
          )
          .map((f) => f.path)
      : [mainFile.path];
  }
  return model;
}

/** Every cached model in the hub root: one entry per ref (or per snapshot when there are no refs). */
export async function scanCache(hubRoot: string): Promise<ScannedModel[]> {
  let folders: string[];
  try {
    folders = (await readdir(hubRoot, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
  const out: ScannedModel[] = [];
  for (const folder of folders) {
    const repo = repoFromFolderName(folder);
    if (!repo) continue;
    const dir = join(hubRoot, folder);
    const refs = await readRefs(dir);
    if (refs) {
      for (const [tag, commit] of refs) {
        const { files, manifest } = await tagFiles(dir, tag, commit);
        const m = await describe(dir, repo, tag, commit, files, manifest?.main);
        if (m) out.push(m);
      }
    } else {
      const commits = await readdir(join(dir, 'snapshots')).catch(() => [] as string[]);
      for (const commit of commits.sort()) {
        const paths = await snapshotFiles(join(dir, 'snapshots', commit));
        const m = await describe(
          dir,
          repo,
          commit,
          commit,
          paths.map((p) => ({ path: p, type: fileTypeOf(p) })),
        );
        if (m) out.push(m);
      }
    }
  }
  return out;
}

/** The blob a snapshot entry points at (the entry itself when it is a regular file). */
async function blobOf(path: string): Promise<string | undefined> {
  try {
    const lst = await lstat(path);
    return lst.isSymbolicLink() ? resolve(dirname(path), await readlink(path)) : path;
  } catch {
    return undefined;
  }
}

/** false when `dir` is gone; throws (assertInsideCache) when it leads out of the cache. */
async function existsInside(hubRoot: string, dir: string): Promise<boolean> {
  try {
    await assertInsideCache(hubRoot, dir);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

async function removeEmptyDirs(dir: string, stopAt: string): Promise<void> {
  let d = dir;
  while (d.startsWith(stopAt + sep) || d === stopAt) {
    try {
      await rmdir(d);
    } catch {
      return;
    }
    if (d === stopAt) return;
    d = dirname(d);
  }
}

/**
 * Deletes a repo (no tag) or one tag. A tag's files are removed only when no other tag at the
 * same commit lists them, and a blob only when no snapshot entry points at it any more.
 */
export async function deleteCached(hubRoot: string, repo: string, tag?: string): Promise<void> {
  const dir = repoDir(hubRoot, repo);
  if (!existsSync(dir)) throw new AppError('model_not_found', `model not found: ${repo}`);
  if (!tag) {
    await rm(dir, { recursive: true, force: true });
    return;
  }
  const refs = (await readRefs(dir)) ?? new Map<string, string>();
  const commit = refs.get(tag);
  if (!commit) throw new AppError('model_not_found', `model not found: ${repo}:${tag}`);
  const snap = join(dir, 'snapshots', commit);
  const mine = await tagFiles(dir, tag, commit);
  const keep = new Set<string>();
  for (const [other, otherCommit] of refs) {
    if (other === tag || otherCommit !== commit) continue;
    for (const f of (await tagFiles(dir, other, otherCommit)).files) keep.add(f.path);
  }
  const candidates = new Set<string>();
  for (const f of mine.files) {
    if (keep.has(f.path) || unsafeHubPathReason(f.path)) continue;
    const path = join(snap, ...f.path.split('/'));
    const blob = await blobOf(path);
    if (blob) candidates.add(blob);
    if (!(await existsInside(hubRoot, dirname(path)))) continue;
    await rm(path, { force: true });
    await removeEmptyDirs(dirname(path), snap);
  }
  // blobs still referenced from any snapshot survive
  const used = new Set<string>();
  const commits = await readdir(join(dir, 'snapshots')).catch(() => [] as string[]);
  for (const c of commits) {
    const s = join(dir, 'snapshots', c);
    for (const p of await snapshotFiles(s)) {
      const b = await blobOf(join(s, ...p.split('/')));
      if (b) used.add(b);
    }
  }
  const blobsDir = join(dir, 'blobs') + sep;
  for (const b of candidates) {
    if (used.has(b) || !b.startsWith(blobsDir)) continue;
    if (await existsInside(hubRoot, dirname(b))) await rm(b, { force: true });
  }
  await rm(join(dir, 'refs', tag), { force: true });
  await rm(manifestPath(dir, tag), { force: true });
  const remaining = await readRefs(dir);
  const snapshotsLeft = await readdir(join(dir, 'snapshots')).catch(() => [] as string[]);
  if ((!remaining || remaining.size === 0) && snapshotsLeft.length === 0)
    await rm(dir, { recursive: true, force: true });
}
