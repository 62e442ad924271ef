import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SettingsSchema, type Settings } from '../../shared/api/settings';

/** A settings file that cannot be used; load-config reports it like a bad config file. */
export class SettingsFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsFileError';
  }
}

export function settingsPath(dataDir: string): string {
  return join(dataDir, 'settings.json');
}

/**
 * The stored settings, or {} when there is no file. A file that is not valid settings stops the
 * server like a bad config file does (naming the file and the key), rather than being dropped:
 * silently losing a user's runtime choice would start instances with another binary.
 */
export function readSettingsFile(dataDir: string): Settings {
  const file = settingsPath(dataDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    // No file, or no data folder yet (or a file in its place: the data-folder check that
    // follows names that problem better than we could here).
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return {};
    throw new SettingsFileError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SettingsFileError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = SettingsSchema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new SettingsFileError(`invalid settings in ${file}:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** Crash-safe write (temp file + rename), mode 0600 like every file of the data dir. */
export async function writeSettingsFile(dataDir: string, settings: Settings): Promise<void> {
  const file = settingsPath(dataDir);
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await writeFile(tmp, JSON.stringify(settings, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    await chmod(tmp, 0o600);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
