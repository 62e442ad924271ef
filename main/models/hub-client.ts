import type * as HubLibrary from '@huggingface/hub';
import { VERSION } from '../version';
import { hubToken, hubUrl, isCommit, isOid, unsafeHubPathReason } from './hub-paths';
import type { HubFile } from './select-files';

export const USER_AGENT = `llama-cpp/llamactl/${VERSION.version}`;

/** Loaded on first use: the library is only needed for downloads, not to start the server. */
let hubLibrary: Promise<typeof HubLibrary> | undefined;
function loadHub(): Promise<typeof HubLibrary> {
  return (hubLibrary ??= import('@huggingface/hub'));
}

/** Where to reach the hub and how to authenticate; read from the environment per job. */
export interface HubEndpoint {
  url: string;
  token?: string;
}

export function hubEndpointFromEnv(env: NodeJS.ProcessEnv = process.env): HubEndpoint {
  return { url: hubUrl(env), token: hubToken(env) };
}

/** Request headers for the hub (the token is sent by us, so tokens not starting with hf_ work too). */
export function hubHeaders(
  ep: HubEndpoint,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    'User-Agent': USER_AGENT,
    ...(ep.token ? { Authorization: `Bearer ${ep.token}` } : {}),
    ...extra,
  };
}

/** The hub's HTTP status, turned into text a user can act on. */
export function hubStatusMessage(status: number, what: string, ep: HubEndpoint): string {
  if (status === 401) {
    return ep.token
      ? `the Hugging Face token was rejected for ${what} (check HF_TOKEN)`
      : `${what}: this repo needs a Hugging Face token (set HF_TOKEN), or it does not exist`;
  }
  if (status === 403)
    return `${what}: access denied; the repo may be gated (accept its terms on Hugging Face with the account of HF_TOKEN)`;
  if (status === 404) return `no such repo or tag: ${what}`;
  if (status === 429) return `${what}: the hub is rate limiting requests; try again later`;
  return `${what}: the hub answered HTTP ${status}`;
}

/** A hub error that retrying will not fix (auth, not found, bad listing). */
export class HubError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

function authFetch(ep: HubEndpoint, signal?: AbortSignal): typeof fetch {
  return (input, init = {}) => {
    const headers = new Headers(init.headers);
    for (const [k, v] of Object.entries(hubHeaders(ep))) if (!headers.has(k)) headers.set(k, v);
    return fetch(input, { ...init, headers, signal });
  };
}

function mapError(hub: typeof HubLibrary, err: unknown, what: string, ep: HubEndpoint): Error {
  if (err instanceof hub.HubApiError)
    return new HubError(hubStatusMessage(err.statusCode, what, ep), err.statusCode);
  if (err instanceof Error && err.name === 'AbortError') return err;
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return new Error(
    `cannot reach the Hugging Face hub at ${ep.url}: ${cause?.code ?? cause?.message ?? String(err)}`,
  );
}

/** Resolves a revision (branch, tag or commit) to its commit with the model info endpoint. */
export async function resolveCommit(
  ep: HubEndpoint,
  repo: string,
  revision: string,
  signal?: AbortSignal,
): Promise<string> {
  const what = revision === 'main' ? repo : `${repo}@${revision}`;
  const hub = await loadHub();
  let sha: unknown;
  try {
    const info = await hub.modelInfo({
      name: repo,
      revision,
      hubUrl: ep.url,
      additionalFields: ['sha'],
      fetch: authFetch(ep, signal),
    });
    sha = (info as { sha?: unknown }).sha;
  } catch (err) {
    throw mapError(hub, err, what, ep);
  }
  if (typeof sha !== 'string' || !isCommit(sha))
    throw new HubError(`${what}: the hub did not return a commit id`);
  return sha;
}

/**
 * Every file of the repo at a commit (the library follows the Link header pages, which llamactl
 * ignores). Each path and oid is checked: they become paths on disk.
 */
export async function listRepoFiles(
  ep: HubEndpoint,
  repo: string,
  commit: string,
  signal?: AbortSignal,
): Promise<HubFile[]> {
  const hub = await loadHub();
  const out: HubFile[] = [];
  try {
    for await (const e of hub.listFiles({
      repo: { type: 'model', name: repo },
      revision: commit,
      recursive: true,
      hubUrl: ep.url,
      fetch: authFetch(ep, signal),
    })) {
      if (e.type !== 'file') continue;
      const reason = unsafeHubPathReason(e.path);
      if (reason)
        throw new HubError(
          `the hub listed an unsafe file path ${JSON.stringify(e.path)} (${reason}); refusing to download from ${repo}`,
        );
      const oid = e.oid && isOid(e.oid) ? e.oid : undefined;
      let lfs: HubFile['lfs'];
      if (e.lfs) {
        if (!/^[0-9a-f]{64}$/.test(e.lfs.oid))
          throw new HubError(`the hub listed an invalid LFS sha256 for ${e.path}`);
        lfs = { oid: e.lfs.oid, size: e.lfs.size };
      }
      out.push({ path: e.path, size: e.size, oid, lfs });
    }
  } catch (err) {
    if (err instanceof HubError) throw err;
    throw mapError(hub, err, repo, ep);
  }
  return out;
}

/** `{base}/{repo}/resolve/{commit}/{path}` with each path segment escaped. */
export function resolveUrl(ep: HubEndpoint, repo: string, commit: string, path: string): string {
  return `${ep.url}/${repo}/resolve/${commit}/${path.split('/').map(encodeURIComponent).join('/')}`;
}
