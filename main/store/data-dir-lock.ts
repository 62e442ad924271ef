import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { isProcessAlive, processStartTime } from '../process-info';

export const LOCK_FILE = 'llamactl.lock';

const LockInfoSchema = z.object({
  pid: z.number().int().positive(),
  /** processStartTime(pid) when the lock was taken; null where it cannot be read */
  started: z.string().nullable(),
  /** the server's URL once it listens */
  url: z.string().nullable(),
});
export type LockInfo = z.infer<typeof LockInfoSchema>;

/** Another live server holds the data folder. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockInfo,
  ) {
    super(
      `another llamactl server (pid ${holder.pid}${holder.url ? `, ${holder.url}` : ''}) is using the data folder ${dataDir}; ` +
        'stop it first, or give this one another data folder (data_dir / LLAMACTL_DATA_DIRECTORY)',
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  readonly file: string;
  /** Records the URL the server listens on, for a second server's message. */
  setUrl(url: string): void;
  /** Removes the lock file if it is still ours; safe to call twice. */
  release(): void;
}

/**
 * Takes the exclusive lock on a data folder: `<data_dir>/llamactl.lock`, holding this process's
 * pid, start time and (once known) URL. A server that finds a live holder throws
 * DataDirLockedError before touching anything else in the folder, so it cannot reap the other
 * server's backends or write to its database. A lock left by a dead process (or by a reused
 * pid: the start time differs) is taken over.
 *
 * The file is created with link(2) from a private temporary file, which is atomic and fails if
 * the name exists, so two servers starting together cannot both win.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, LOCK_FILE);
  const mine: LockInfo = { pid: process.pid, started: processStartTime(process.pid), url: null };
  const content = () => JSON.stringify(mine) + '\n';

  for (let attempt = 0; attempt < 5; attempt++) {
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(tmp, content(), { mode: 0o600, flag: 'wx' });
    try {
      linkSync(tmp, file);
      unlinkSync(tmp);
      return handle(file, mine, content);
    } catch (err) {
      unlinkSync(tmp);
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let raw: string;
    try {
      raw = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
      throw err;
    }
    const holder = parseLock(raw);
    if (holder && holderAlive(holder)) throw new DataDirLockedError(dataDir, holder);
    // Stale: remove it only if it is still the file we judged, then try again.
    try {
      if (readFileSync(file, 'utf8') === raw) unlinkSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw new Error(`could not take the lock ${file}: it keeps changing`);
}

/** The current holder of a data folder's lock, if a live process holds it. */
export function readDataDirLock(dataDir: string): LockInfo | null {
  try {
    const holder = parseLock(readFileSync(join(dataDir, LOCK_FILE), 'utf8'));
    return holder && holderAlive(holder) ? holder : null;
  } catch {
    return null;
  }
}

function parseLock(raw: string): LockInfo | null {
  try {
    const parsed = LockInfoSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null; // a half-written or foreign file: treated as stale
  }
}

function holderAlive(holder: LockInfo): boolean {
  if (holder.pid === process.pid) return true;
  if (!isProcessAlive(holder.pid)) return false;
  // A live pid with another start time is a different process that reused the pid.
  const started = processStartTime(holder.pid);
  return holder.started === null || started === null || started === holder.started;
}

function handle(file: string, mine: LockInfo, content: () => string): DataDirLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      const holder = parseLock(readFileSync(file, 'utf8'));
      if (holder?.pid === mine.pid && holder.started === mine.started) unlinkSync(file);
    } catch {
      // gone already
    }
  };
  // A process that exits without release (an uncaught error) still leaves no lock; SIGKILL does,
  // and the next server takes that one over.
  process.on('exit', release);
  return {
    file,
    setUrl(url) {
      if (released) return;
      mine.url = url;
      const tmp = `${file}.${process.pid}.url`;
      writeFileSync(tmp, content(), { mode: 0o600 });
      renameSync(tmp, file);
    },
    release,
  };
}
