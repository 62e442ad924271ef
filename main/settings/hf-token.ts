import { mkdir, readFile, rm, writeFile, chmod, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AppError } from '../../shared/errors';
import { hfTokenPath } from '../models/hub-paths';

/** `GET /api/v1/settings/hf-token`: never the token itself, only enough to recognise it. */
export interface HfTokenStatus {
  set: boolean;
  /** environment: HF_TOKEN (wins, cannot be changed here); file: the HF tools' token file */
  source: 'environment' | 'file' | 'none';
  /** e.g. "hf_…a1b2" */
  masked?: string;
  /** where a token entered here is kept */
  file: string;
}

export function maskToken(t: string): string {
  const prefix = t.startsWith('hf_') ? 'hf_' : '';
  return `${prefix}…${t.slice(-4)}`;
}

/**
 * The Hugging Face token, kept where huggingface_hub keeps it (`$HF_HOME/token`, mode 0600), so
 * the `hf` CLI, Python tools and llama.cpp's own downloads share it. HF_TOKEN in the environment
 * wins (as for those tools); then the dashboard cannot replace it and says so.
 */
export class HfTokenStore {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async status(): Promise<HfTokenStatus> {
    const file = hfTokenPath(this.env);
    const fromEnv = this.env.HF_TOKEN?.trim();
    if (fromEnv) return { set: true, source: 'environment', masked: maskToken(fromEnv), file };
    const stored = (await readFile(file, 'utf8').catch(() => '')).trim();
    if (stored) return { set: true, source: 'file', masked: maskToken(stored), file };
    return { set: false, source: 'none', file };
  }

  async set(body: unknown): Promise<HfTokenStatus> {
    const token = (body as { token?: unknown } | null)?.token;
    if (typeof token !== 'string' || token.trim() === '')
      throw new AppError('validation_error', 'token: must be a Hugging Face access token');
    const t = token.trim();
    if (/\s/.test(t) || t.length > 512)
      throw new AppError('validation_error', 'token: must be one word without spaces');
    if (this.env.HF_TOKEN?.trim())
      throw new AppError(
        'conflict',
        'HF_TOKEN is set in the server environment and wins over a stored token; unset it to manage the token here',
      );
    const file = hfTokenPath(this.env);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, t, { mode: 0o600, flag: 'wx' });
      await chmod(tmp, 0o600);
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return this.status();
  }

  async clear(): Promise<HfTokenStatus> {
    if (this.env.HF_TOKEN?.trim())
      throw new AppError(
        'conflict',
        'HF_TOKEN is set in the server environment; unset it there to remove it',
      );
    await rm(hfTokenPath(this.env), { force: true });
    return this.status();
  }
}
