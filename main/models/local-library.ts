import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { LocalModel, LocalModelsResponse } from '../../shared/api/library';
import { readGgufInfo } from './gguf-info';

const MAX_DEPTH = 8;
/** the scan stops after this many directory entries (a models folder pointed at $HOME) */
const MAX_ENTRIES = 50_000;
const SHARD_RE = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i;

interface Found {
  path: string;
  size: number;
}

/** A vision projector: llama.cpp's convention is "mmproj" in the file name. */
export function isMmproj(name: string): boolean {
  return /mmproj/i.test(name);
}

/** The mmproj to pair with a model: F16 first (as downloads pick), then BF16, F32, the first. */
export function pickMmproj(candidates: readonly string[]): string | undefined {
  for (const q of ['f16', 'bf16', 'f32']) {
    const hit = candidates.find((c) => new RegExp(`[-_.]${q}[-_.]`, 'i').test(basename(c)));
    if (hit) return hit;
  }
  return [...candidates].sort()[0];
}

/** "org/name" from a path inside a Hugging Face cache (`models--org--name/snapshots/...`). */
export function repoFromPath(path: string): string | undefined {
  const m = /(?:^|[/\\])models--([^/\\]+?)--([^/\\]+)[/\\]snapshots[/\\]/.exec(path);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/**
 * Scans the models folders for GGUF files: split models are grouped (listed once, at their first
 * shard), mmproj files are paired with the models in their folder rather than listed, header
 * facts come from @huggingface/gguf (cached by path, size and mtime). Links to files are followed
 * (the HF cache's snapshots are links into blobs/), links to folders are not (no loops).
 */
export async function scanLocalModels(folders: readonly string[]): Promise<LocalModelsResponse> {
  let entries = 0;
  let truncated = false;
  const byFolder = new Map<string, Found[]>();
  const seen = new Set<string>();
  const out: LocalModel[] = [];
  const folderInfo: LocalModelsResponse['folders'] = [];

  const walk = async (dir: string, depth: number, files: Found[]): Promise<void> => {
    if (truncated || depth > MAX_DEPTH) return;
    let list: Dirent[];
    try {
      list = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of list) {
      if (++entries > MAX_ENTRIES) {
        truncated = true;
        return;
      }
      if (e.name.startsWith('.') || e.name === 'blobs' || e.name === 'node_modules') continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p, depth + 1, files);
      else if ((e.isFile() || e.isSymbolicLink()) && /\.gguf$/i.test(e.name)) {
        const st = await stat(p).catch(() => null);
        if (st?.isFile()) files.push({ path: p, size: st.size });
      }
    }
  };

  for (const folder of folders) {
    const st = await stat(folder).catch(() => null);
    folderInfo.push({ path: folder, exists: !!st?.isDirectory() });
    if (!st?.isDirectory()) continue;
    const files: Found[] = [];
    await walk(folder, 0, files);
    byFolder.set(folder, files);
  }

  for (const [folder, files] of byFolder) {
    const byDir = new Map<string, Found[]>();
    for (const f of files) {
      const d = dirname(f.path);
      byDir.set(d, [...(byDir.get(d) ?? []), f]);
    }
    for (const [, group] of byDir) {
      const mmprojs = group.filter((f) => isMmproj(basename(f.path))).map((f) => f.path);
      const models = group.filter((f) => !isMmproj(basename(f.path)));
      const shards = new Map<string, Found[]>();
      for (const f of models) {
        const m = SHARD_RE.exec(f.path);
        const key = m ? `${m[1]}|${m[3]}` : f.path;
        shards.set(key, [...(shards.get(key) ?? []), f]);
      }
      for (const parts of shards.values()) {
        parts.sort((a, b) => a.path.localeCompare(b.path));
        const first = parts[0];
        // the same file reached from two configured folders is listed once
        if (seen.has(first.path)) continue;
        seen.add(first.path);
        const gguf = await readGgufInfo(parts.map((p) => p.path));
        const mmproj = pickMmproj(mmprojs);
        const repo = repoFromPath(first.path);
        out.push({
          path: first.path,
          name: basename(first.path),
          folder,
          size_bytes: parts.reduce((n, p) => n + p.size, 0),
          parts: parts.length,
          ...(gguf ? { gguf } : {}),
          ...(mmproj ? { mmproj } : {}),
          ...(repo ? { repo } : {}),
        });
      }
    }
  }
  out.sort((a, b) => a.name.localeCompare(b.name) || a.path.localeCompare(b.path));
  return { folders: folderInfo, models: out, truncated };
}
