import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../config/schema';
import type { Logger } from '../logger';
import { generateManagementKey } from './keys';

export const MANAGEMENT_KEY_FILE = 'management.key';

export interface ManagementKeys {
  keys: string[];
  /** where the keys came from; 'none' when management auth is off and no key is configured */
  source: 'config' | 'generated' | 'none';
  /** the file holding the generated key (source 'generated') */
  file: string | null;
  /** true when the key was generated during this start (first start) */
  createdNow: boolean;
}

/**
 * The management keys: the configured ones, or else (when management auth is on) one generated
 * on first start and kept in `<data_dir>/management.key` with mode 0600. llamactl keeps its
 * generated key in memory only, so every restart invalidated every client's key; keeping it
 * lets the desktop app, scripts and the dashboard survive restarts.
 */
export function resolveManagementKeys(config: AppConfig, log: Logger): ManagementKeys {
  if (config.auth.management_keys.length > 0) {
    return {
      keys: [...config.auth.management_keys],
      source: 'config',
      file: null,
      createdNow: false,
    };
  }
  if (!config.auth.require_management_auth)
    return { keys: [], source: 'none', file: null, createdNow: false };

  const file = join(config.data_dir, MANAGEMENT_KEY_FILE);
  const existing = readKeyFile(file, log);
  if (existing) return { keys: [existing], source: 'generated', file, createdNow: false };

  const key = generateManagementKey();
  try {
    // 'wx': never overwrite a key another process wrote in the meantime.
    writeFileSync(file, key + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      const raced = readKeyFile(file, log);
      if (raced) return { keys: [raced], source: 'generated', file, createdNow: false };
      // An empty file (e.g. a crash between create and write): replace it.
      writeFileSync(file, key + '\n', { mode: 0o600 });
      chmodSync(file, 0o600);
      return { keys: [key], source: 'generated', file, createdNow: true };
    }
    throw new Error(
      `cannot store the generated management key in ${file}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return { keys: [key], source: 'generated', file, createdNow: true };
}

function readKeyFile(file: string, log: Logger): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read the management key file ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const key = text.trim();
  if (!key) return null;
  if (process.platform !== 'win32') {
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) {
      // Someone loosened it (copying, a restore): tighten again rather than leak the key.
      chmodSync(file, 0o600);
      log.warn('management key file was readable by other users; its mode is now 0600', {
        file,
        was: mode.toString(8),
      });
    }
  }
  return key;
}
