import { AppError } from '../../shared/errors';
import type { GithubRelease } from './assets';

/** How long a listing is served from memory before GitHub is asked again (60 calls/hour/IP). */
const FRESH_MS = 10 * 60_000;

interface Cached {
  etag: string | null;
  body: unknown;
  at: number;
}

/**
 * llama.cpp's releases through GitHub's REST API (or anything serving the same shapes):
 * `GET {url}?per_page=N`, `GET {url}/latest`, `GET {url}/tags/{tag}`. Responses are cached and
 * revalidated with `If-None-Match`, which GitHub does not count against the rate limit.
 */
export class ReleasesClient {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly baseUrl: () => string) {}

  async list(opts: { refresh?: boolean; perPage?: number } = {}): Promise<GithubRelease[]> {
    const url = `${this.base()}?per_page=${opts.perPage ?? 30}`;
    const body = await this.get(url, opts.refresh ?? false);
    if (!Array.isArray(body))
      throw new AppError('bad_gateway', `${url}: expected a list of releases`);
    return body.filter(isRelease).filter((r) => !r.draft);
  }

  async latest(refresh = false): Promise<GithubRelease> {
    const url = `${this.base()}/latest`;
    const body = await this.get(url, refresh);
    if (!isRelease(body)) throw new AppError('bad_gateway', `${url}: not a release`);
    return body;
  }

  async byTag(tag: string): Promise<GithubRelease> {
    const url = `${this.base()}/tags/${encodeURIComponent(tag)}`;
    const body = await this.get(url, false);
    if (!isRelease(body)) throw new AppError('bad_gateway', `${url}: not a release`);
    return body;
  }

  private base(): string {
    return this.baseUrl().replace(/\/+$/, '');
  }

  private async get(url: string, refresh: boolean): Promise<unknown> {
    const hit = this.cache.get(url);
    if (hit && !refresh && Date.now() - hit.at < FRESH_MS) return hit.body;
    const headers: Record<string, string> = {
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
      'User-Agent': 'llamactl-desktop',
    };
    if (hit?.etag) headers['If-None-Match'] = hit.etag;
    let res: Response;
    try {
      res = await fetch(url, { headers, signal: AbortSignal.timeout(20_000) });
    } catch (err) {
      throw new AppError(
        'bad_gateway',
        `cannot reach the llama.cpp releases at ${url}: ${(err as Error).message}`,
      );
    }
    if (res.status === 304 && hit) {
      hit.at = Date.now();
      return hit.body;
    }
    if (res.status === 404)
      throw new AppError('not_found', `no such llama.cpp release (${url} answered 404)`);
    if (!res.ok) {
      const limited =
        (res.status === 403 || res.status === 429) &&
        res.headers.get('x-ratelimit-remaining') === '0';
      throw new AppError(
        'bad_gateway',
        limited
          ? `GitHub's rate limit for release listings is used up (60 an hour without a token); try again later`
          : `the llama.cpp releases at ${url} answered HTTP ${res.status}`,
      );
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new AppError('bad_gateway', `${url}: the answer is not JSON`);
    }
    this.cache.set(url, { etag: res.headers.get('etag'), body, at: Date.now() });
    return body;
  }
}

function isRelease(v: unknown): v is GithubRelease {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as GithubRelease).tag_name === 'string' &&
    Array.isArray((v as GithubRelease).assets)
  );
}
