import { constants } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';

/**
 * Files the download writes in `blobs/` (the partial file, its progress record) are opened with
 * O_NOFOLLOW: a symbolic link planted there (by another user of a shared cache, or a tool) must
 * not make a download truncate or write a file elsewhere. Windows has no O_NOFOLLOW; there an
 * lstat before the open is what refuses a link.
 */
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

export class PlantedLinkError extends Error {
  constructor(path: string) {
    super(`${path} is a symbolic link; refusing to write through it (remove it to download)`);
    this.name = 'PlantedLinkError';
  }
}

export async function openNoFollow(path: string, flags: number): Promise<FileHandle> {
  if (O_NOFOLLOW === 0) {
    const st = await lstat(path).catch(() => undefined);
    if (st?.isSymbolicLink()) throw new PlantedLinkError(path);
  }
  try {
    return await open(path, flags | O_NOFOLLOW, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new PlantedLinkError(path);
    throw err;
  }
}
