import { readFileSync } from 'node:fs';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  HF_TOKEN_STORAGES,
  type HfTokenStatus,
  type HfTokenStorage,
} from '../../shared/api/settings';
import { AppError } from '../../shared/errors';
import type { Logger } from '../logger';
import { hfTokenPath } from '../models/hub-paths';

export type { HfTokenStatus };

/**
 * Protects a secret at rest with a key kept outside the data folder (the OS keychain). The
 * headless server has none: the token stays in the Hugging Face tools' plain token file. The
 * desktop app injects one backed by Electron's safeStorage (main/electron/secret-protector.ts),
 * so nothing here imports electron.
 */
export interface SecretProtector {
  /** what holds the key, for people: "the macOS Keychain", "KWallet", ... */
  label(): string;
  /** null when secrets can be protected now; otherwise why not, in a sentence */
  unavailableReason(): string | null;
  encrypt(plain: string): Buffer;
  /** throws when the blob cannot be decrypted (the keychain or its key changed) */
  decrypt(blob: Buffer): string;
}

export interface HfTokenStoreOptions {
  /** where the protected token is kept (`<data_dir>/hf-token.enc`) */
  dataDir?: string;
  protector?: SecretProtector;
  log?: Logger;
}

export function maskToken(t: string): string {
  const prefix = t.startsWith('hf_') ? 'hf_' : '';
  return `${prefix}…${t.slice(-4)}`;
}

/** The file name of the protected token in the data folder. */
export const PROTECTED_TOKEN_FILE = 'hf-token.enc';

const UNREADABLE =
  'The Hugging Face token kept with the OS keychain can no longer be decrypted (the keychain or its key changed since it was saved). Enter the token again; nothing else is affected.';
const NO_PROTECTOR =
  'The Hugging Face token was protected with the OS keychain by the desktop app; this server cannot read it. Enter it here to keep it in the token file instead.';

type Stored =
  | { kind: 'none' }
  | { kind: 'file' | 'keychain'; token: string }
  | { kind: 'unreadable'; error: string };

/**
 * The Hugging Face token. By default kept where huggingface_hub keeps it (`$HF_HOME/token`,
 * mode 0600), so the `hf` CLI and Python tools share it. In the desktop app it can instead be
 * encrypted with the OS keychain (`<data_dir>/hf-token.enc`, 0600); then the plain file is not
 * written (and removed), and other Hugging Face tools do not see the token. HF_TOKEN in the
 * environment wins over both (as for those tools); then the dashboard cannot replace it.
 * A readable protected token wins over the plain file.
 */
export class HfTokenStore {
  private readonly protectedFile: string | undefined;

  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly opts: HfTokenStoreOptions = {},
  ) {
    this.protectedFile = opts.dataDir ? join(opts.dataDir, PROTECTED_TOKEN_FILE) : undefined;
  }

  /** The token for hub requests (HF_TOKEN, else the stored one), read at each use. */
  token(): string | undefined {
    const fromEnv = this.env.HF_TOKEN?.trim();
    if (fromEnv) return fromEnv;
    const stored = this.read();
    if (stored.kind === 'file' || stored.kind === 'keychain') return stored.token;
    if (stored.kind === 'unreadable')
      this.opts.log?.warn(
        'the stored Hugging Face token cannot be read; hub requests go without it',
        {
          error: stored.error,
        },
      );
    return undefined;
  }

  async status(): Promise<HfTokenStatus> {
    const file = hfTokenPath(this.env);
    const stored = this.read();
    const storage: HfTokenStorage =
      stored.kind === 'keychain' || stored.kind === 'unreadable' ? 'keychain' : 'file';
    const base = { file, storage, ...this.keychain() };
    const fromEnv = this.env.HF_TOKEN?.trim();
    if (fromEnv) return { ...base, set: true, source: 'environment', masked: maskToken(fromEnv) };
    switch (stored.kind) {
      case 'file':
      case 'keychain':
        return { ...base, set: true, source: stored.kind, masked: maskToken(stored.token) };
      case 'unreadable':
        return { ...base, set: false, source: 'keychain', error: stored.error };
      case 'none':
        return { ...base, set: false, source: 'none' };
    }
  }

  /**
   * PUT: `{token}` stores a new token where the current one is kept (the token file when there
   * is none), `{token, storage}` stores it there, `{storage}` alone moves the stored token.
   */
  async set(body: unknown): Promise<HfTokenStatus> {
    const b = (body ?? {}) as { token?: unknown; storage?: unknown };
    if (typeof b !== 'object') throw new AppError('validation_error', 'body: must be an object');
    if (b.storage !== undefined && !HF_TOKEN_STORAGES.includes(b.storage as HfTokenStorage))
      throw new AppError(
        'validation_error',
        `storage: must be one of ${HF_TOKEN_STORAGES.join(', ')} (got ${JSON.stringify(b.storage)})`,
      );
    if (this.env.HF_TOKEN?.trim())
      throw new AppError(
        'conflict',
        'HF_TOKEN is set in the server environment and wins over a stored token; unset it to manage the token here',
      );
    const stored = this.read();
    let token: string;
    if (b.token === undefined && b.storage !== undefined) {
      if (stored.kind !== 'file' && stored.kind !== 'keychain')
        throw new AppError('validation_error', 'token: there is no readable stored token to move');
      token = stored.token;
    } else {
      token = validToken(b.token);
    }
    // Without a storage: where the token is kept now; a server without a protector (the
    // headless one on the desktop app's data dir) can only use the file.
    const kept = stored.kind === 'keychain' || stored.kind === 'unreadable';
    const storage =
      (b.storage as HfTokenStorage | undefined) ??
      (kept && this.opts.protector ? 'keychain' : 'file');
    if (storage === 'keychain') await this.writeProtected(token);
    else await this.writePlain(token);
    return this.status();
  }

  async clear(): Promise<HfTokenStatus> {
    if (this.env.HF_TOKEN?.trim())
      throw new AppError(
        'conflict',
        'HF_TOKEN is set in the server environment; unset it there to remove it',
      );
    await rm(hfTokenPath(this.env), { force: true });
    if (this.protectedFile) await rm(this.protectedFile, { force: true });
    return this.status();
  }

  private keychain(): Pick<HfTokenStatus, 'keychain'> {
    const p = this.opts.protector;
    if (!p || !this.protectedFile) return {};
    const reason = p.unavailableReason();
    return {
      keychain: {
        available: reason === null,
        label: p.label(),
        file: this.protectedFile,
        ...(reason !== null && { reason }),
      },
    };
  }

  private read(): Stored {
    const blob = this.protectedFile ? readOrNull(this.protectedFile) : null;
    if (blob && blob.length > 0) {
      const p = this.opts.protector;
      if (!p) return { kind: 'unreadable', error: NO_PROTECTOR };
      try {
        const token = p.decrypt(blob).trim();
        if (token) return { kind: 'keychain', token };
      } catch {
        // the protector's own message says nothing a user can act on
      }
      return { kind: 'unreadable', error: UNREADABLE };
    }
    const plain = readOrNull(hfTokenPath(this.env))?.toString('utf8').trim();
    return plain ? { kind: 'file', token: plain } : { kind: 'none' };
  }

  private async writeProtected(token: string): Promise<void> {
    const p = this.opts.protector;
    if (!p || !this.protectedFile)
      throw new AppError(
        'validation_error',
        'storage: the OS keychain can only protect the token in the desktop app',
      );
    const reason = p.unavailableReason();
    if (reason !== null) throw new AppError('conflict', `storage: ${reason}`);
    await writePrivate(this.protectedFile, p.encrypt(token));
    // A plain copy would defeat the protection (and win for the HF tools only).
    await rm(hfTokenPath(this.env), { force: true });
  }

  private async writePlain(token: string): Promise<void> {
    await writePrivate(hfTokenPath(this.env), token);
    if (this.protectedFile) await rm(this.protectedFile, { force: true });
  }
}

function validToken(token: unknown): string {
  if (typeof token !== 'string' || token.trim() === '')
    throw new AppError('validation_error', 'token: must be a Hugging Face access token');
  const t = token.trim();
  if (/\s/.test(t) || t.length > 512)
    throw new AppError('validation_error', 'token: must be one word without spaces');
  return t;
}

function readOrNull(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

/** Crash-safe and private from the first byte: a 0600 temp file created with wx, then renamed. */
async function writePrivate(file: string, data: string | Buffer): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data, { mode: 0o600, flag: 'wx' });
    await chmod(tmp, 0o600);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
