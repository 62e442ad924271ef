import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, posix } from 'node:path';
import { AppError } from '../../shared/errors';
import type { AppConfig } from '../config/schema';
import { currentPlatform, defaultLlamaCacheDir, type PlatformInfo } from '../config/defaults';

/** Hugging Face's own rules for a repo part, stricter than llamactl (no nesting, no `--`/`..`). */
const REPO_PART_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
/** A tag is both a file name (refs/<tag>) and a quant selector or revision, so keep it simple. */
const TAG_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const COMMIT_RE = /^[0-9a-f]{40}$/;
/** sha256 (LFS) or git sha1: the only blob names we ever create */
const OID_RE = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export interface RepoSpec {
  repo: string;
  /** '' when the request named none */
  tag: string;
}

export function repoNameError(repo: string): string | null {
  const parts = repo.split('/');
  if (parts.length !== 2) return "must be in format 'org/model' or 'org/model:tag'";
  for (const part of parts) {
    if (
      !REPO_PART_RE.test(part) ||
      part.includes('--') ||
      part.includes('..') ||
      /[.-]$/.test(part)
    ) {
      return `'${part}' is not a valid Hugging Face name (letters, digits, '.', '_', '-'; no '--' or '..')`;
    }
  }
  return null;
}

export function tagError(tag: string): string | null {
  if (!TAG_RE.test(tag))
    return `tag '${tag}' is not valid (letters, digits, '.', '_', '-', at most 128)`;
  return null;
}

/** `org/name[:tag]`, split at the last colon like llamactl; throws a 400 naming the field. */
export function parseRepoSpec(raw: unknown, field = 'repo'): RepoSpec {
  if (raw === undefined || raw === null || raw === '')
    throw new AppError('invalid_request', `${field} is required`);
  if (typeof raw !== 'string')
    throw new AppError(
      'invalid_request',
      `${field}: must be a string 'org/model' or 'org/model:tag'`,
    );
  if (raw.trim() === '') throw new AppError('invalid_request', `${field} is required`);
  const s = raw.trim();
  const i = s.lastIndexOf(':');
  const repo = i >= 0 ? s.slice(0, i) : s;
  const tag = i >= 0 ? s.slice(i + 1) : '';
  const repoErr = repoNameError(repo);
  if (repoErr) throw new AppError('invalid_request', `${field}: ${repoErr}`);
  if (i >= 0) {
    const tagErr = tagError(tag);
    if (tagErr) throw new AppError('invalid_request', `${field}: ${tagErr}`);
  }
  return { repo, tag };
}

export function isCommit(s: string): boolean {
  return COMMIT_RE.test(s);
}

export function isOid(s: string): boolean {
  return OID_RE.test(s);
}

/**
 * `models--org--name`, as huggingface_hub and llama.cpp name it (the rule of @huggingface/hub's
 * getRepoFolderName, written out so that listing the cache does not load that library at start-up).
 */
export function repoFolderName(repo: string): string {
  return ['models', ...repo.split('/')].join('--');
}

/** The inverse of repoFolderName, or null for folders that are not model repos. */
export function repoFromFolderName(folder: string): string | null {
  if (!folder.startsWith('models--')) return null;
  const parts = folder.slice('models--'.length).split('--');
  if (parts.length < 2 || parts.some((p) => p === '')) return null;
  return parts.join('/');
}

/**
 * A file path from the hub's listing, checked before it becomes a path on disk: relative,
 * forward slashes, no `.`/`..`/empty segments, no control characters. A malicious or broken hub
 * must not be able to write outside the snapshot folder.
 */
export function unsafeHubPathReason(p: string): string | null {
  if (typeof p !== 'string' || p.length === 0) return 'empty path';
  if (p.length > 1024) return 'path too long';
  if (p.includes('\\')) return 'backslash in path';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(p)) return 'control character in path';
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) return 'absolute path';
  const segments = p.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..'))
    return "'.', '..' or empty segment";
  if (posix.normalize(p) !== p) return 'path is not normalized';
  return null;
}

/**
 * The hub root downloads go to. Deliberate change from llamactl (which ignores its configured
 * cache_dir whenever HOME is set): an explicit llamactl setting beats the generic HF defaults.
 *   1. LLAMA_CACHE (the hub root itself, as llamactl)
 *   2. LLAMACTL_LLAMACPP_CACHE_DIR, or backends.llama-cpp.cache_dir when changed from its
 *      default: <dir>/huggingface/hub
 *   3. HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, $HF_HOME/hub, $XDG_CACHE_HOME/huggingface/hub,
 *      $HOME/.cache/huggingface/hub (shared with huggingface_hub and llama.cpp)
 *   4. <default llama.cpp cache dir>/huggingface/hub
 */
export function resolveHubRoot(
  config: AppConfig,
  env: NodeJS.ProcessEnv = process.env,
  platform?: PlatformInfo,
): string {
  const p = platform ?? currentPlatform(env);
  const nonEmpty = (v: string | undefined) => (v && v.trim() !== '' ? v : undefined);
  const llamaCache = nonEmpty(env.LLAMA_CACHE);
  if (llamaCache) return llamaCache;
  const configured = config.backends['llama-cpp'].cache_dir;
  const explicitDir =
    nonEmpty(env.LLAMACTL_LLAMACPP_CACHE_DIR) ??
    (configured && configured !== defaultLlamaCacheDir(p) ? configured : undefined);
  if (explicitDir) return join(explicitDir, 'huggingface', 'hub');
  const hfHubCache = nonEmpty(env.HF_HUB_CACHE) ?? nonEmpty(env.HUGGINGFACE_HUB_CACHE);
  if (hfHubCache) return hfHubCache;
  if (nonEmpty(env.HF_HOME)) return join(env.HF_HOME!, 'hub');
  if (nonEmpty(env.XDG_CACHE_HOME)) return join(env.XDG_CACHE_HOME!, 'huggingface', 'hub');
  if (nonEmpty(env.HOME)) return join(env.HOME!, '.cache', 'huggingface', 'hub');
  return join(configured || defaultLlamaCacheDir(p), 'huggingface', 'hub');
}

/** HF_ENDPOINT without a trailing slash, default the public hub. */
export function hubUrl(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.HF_ENDPOINT?.trim();
  return (raw || 'https://huggingface.co').replace(/\/+$/, '');
}

/**
 * HF_TOKEN, any non-empty value (llamactl silently drops tokens not starting with hf_); else the
 * token the Hugging Face tools (and our Settings page) keep in `$HF_HOME/token`.
 */
export function hubToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const t = env.HF_TOKEN?.trim();
  if (t) return t;
  return readTokenFile(env);
}

/** `$HF_HOME`, as huggingface_hub resolves it: HF_HOME, else `$XDG_CACHE_HOME|~/.cache/huggingface`. */
export function hfHome(env: NodeJS.ProcessEnv = process.env): string {
  if (filled(env.HF_HOME)) return env.HF_HOME!;
  const cache = filled(env.XDG_CACHE_HOME)
    ? env.XDG_CACHE_HOME!
    : join(env.HOME || homedir(), '.cache');
  return join(cache, 'huggingface');
}

/** Where huggingface_hub keeps the token: HF_TOKEN_PATH, else `$HF_HOME/token`. */
export function hfTokenPath(env: NodeJS.ProcessEnv = process.env): string {
  return filled(env.HF_TOKEN_PATH) ? env.HF_TOKEN_PATH! : join(hfHome(env), 'token');
}

function readTokenFile(env: NodeJS.ProcessEnv): string | undefined {
  try {
    const t = readFileSync(hfTokenPath(env), 'utf8').trim();
    return t ? t : undefined;
  } catch {
    return undefined;
  }
}

function filled(v: string | undefined): boolean {
  return v !== undefined && v.trim() !== '';
}
