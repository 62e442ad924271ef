import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logger';

/**
 * The data folder holds the database (backend `api_key` values, environment tokens), the
 * management key and backend logs (which may print credentials): it is private to the user who
 * runs the server. Folders are 0700, files 0600; Windows has no such modes (a no-op there).
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Folders inside the data folder that other programs own and fill (vLLM's docker cache). */
const FOREIGN = new Set(['huggingface']);

/** Creates `dir` (and missing parents) private; an existing `dir` is made private too. */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Takes group and other permissions away from every folder and file under `root` (data folders
 * of earlier versions were 0755 with 0644 files). Links are not followed; what cannot be changed
 * (owned by someone else) is reported once. Returns how many entries were changed.
 */
export function tightenTree(root: string, log?: Logger): number {
  let changed = 0;
  const failed: string[] = [];
  const visit = (path: string, depth: number) => {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      return;
    }
    if (st.isSymbolicLink()) return;
    const wanted = st.isDirectory() ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE;
    if ((st.mode & 0o077) !== 0) {
      try {
        chmodSync(path, (st.mode & 0o700) | (wanted & 0o700));
        changed++;
      } catch {
        failed.push(path);
      }
    }
    if (!st.isDirectory()) return;
    let names: string[];
    try {
      names = readdirSync(path);
    } catch {
      return;
    }
    for (const name of names) {
      if (depth === 0 && FOREIGN.has(name)) continue;
      visit(join(path, name), depth + 1);
    }
  };
  visit(root, 0);
  if (failed.length)
    log?.warn('could not make these data files private (owned by another user?)', {
      paths: failed.slice(0, 10),
      count: failed.length,
    });
  return changed;
}
