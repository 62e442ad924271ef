import { randomBytes } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeHub, tinyGguf } from '../../e2e/fixtures/fake-hub';
import type { CachedModel, DownloadJob } from '../../shared/api/models';
import { startTestServer, type TestServer } from '../testing/test-server';
import { freeBytesOf } from './model-service';

const hub = new FakeHub();
let cacheRoot: string;
let server: TestServer;

const saved = { ...process.env };

beforeAll(async () => {
  await hub.start();
  cacheRoot = mkdtempSync(join(tmpdir(), 'llamactl-hub-cache-'));
  process.env.HF_ENDPOINT = hub.url;
  process.env.LLAMA_CACHE = cacheRoot;
  process.env.LLAMACTL_DOWNLOAD_STALL_TIMEOUT = '0.5';
  process.env.LLAMACTL_DOWNLOAD_RETRY_DELAY = '0.05';
  delete process.env.HF_TOKEN;
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
  await hub.close();
  rmSync(cacheRoot, { recursive: true, force: true });
  process.env = saved;
});

afterEach(() => {
  hub.releaseStall();
  hub.releaseHold();
  hub.switches.cut = undefined;
  hub.switches.ignoreRange = false;
  hub.switches.corrupt.clear();
  hub.switches.failResolve = undefined;
  hub.switches.failApi = undefined;
  hub.switches.pageSize = 0;
  delete process.env.HF_TOKEN;
});

function repoDir(repo: string): string {
  return join(cacheRoot, `models--${repo.replace('/', '--')}`);
}

function snapshotFile(repo: string, commit: string, path: string): string {
  return join(repoDir(repo), 'snapshots', commit, ...path.split('/'));
}

async function startDownload(s: TestServer, repo: string, format?: string): Promise<string> {
  const res = await s.api('/api/v1/models/download', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(format ? { repo, format } : { repo }),
  });
  expect(res.status).toBe(202);
  const body = (await res.json()) as { job_id: string };
  expect(body.job_id).toMatch(/^[0-9a-f]{16}$/);
  return body.job_id;
}

async function job(s: TestServer, id: string): Promise<DownloadJob> {
  const res = await s.api(`/api/v1/models/jobs/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as DownloadJob;
}

async function waitForStatus(
  s: TestServer,
  id: string,
  status: DownloadJob['status'],
): Promise<DownloadJob> {
  let last: DownloadJob | undefined;
  await expect
    .poll(async () => (last = await job(s, id)).status, { timeout: 20_000, interval: 25 })
    .toBe(status);
  return last!;
}

async function download(repo: string, format?: string): Promise<DownloadJob> {
  const id = await startDownload(server, repo, format);
  return waitForStatus(server, id, 'completed');
}

async function models(s: TestServer = server): Promise<CachedModel[]> {
  const res = await s.api('/api/v1/models');
  expect(res.status).toBe(200);
  return (await res.json()) as CachedModel[];
}

const ggufRepoFiles = () => ({
  q4: tinyGguf({ fileType: 15, padding: 3000 }),
  q8: tinyGguf({ fileType: 7, padding: 5000, arch: 'qwen2', contextLength: 32768 }),
  mmF16: randomBytes(700),
  mmF32: randomBytes(900),
  preset: Buffer.from('[*]\nctx-size = 4096\n'),
  template: Buffer.from('{{ messages }}'),
});

describe('GGUF downloads', () => {
  it('downloads the quantization the tag names, with the F16 mmproj, preset.ini and chat templates', async () => {
    const f = ggufRepoFiles();
    const commit = hub.addRepo('org/Tiny-GGUF', [
      { path: 'Tiny-Q4_K_M.gguf', content: f.q4 },
      { path: 'Tiny-Q8_0.gguf', content: f.q8 },
      { path: 'mmproj-Tiny-F16.gguf', content: f.mmF16 },
      { path: 'mmproj-Tiny-F32.gguf', content: f.mmF32 },
      { path: 'preset.ini', content: f.preset },
      { path: 'templates/chat.jinja', content: f.template },
      { path: 'README.md', content: Buffer.from('# tiny') },
    ]);
    const events: unknown[] = [];
    const unsubscribe = server.services.events.subscribe((e) => e.type === 'job' && events.push(e));
    const done = await download('org/Tiny-GGUF:Q8_0');
    unsubscribe();

    expect(done.tag).toBe('Q8_0');
    expect(done.model_path).toBe(snapshotFile('org/Tiny-GGUF', commit, 'Tiny-Q8_0.gguf'));
    const expectedTotal = f.q8.length + f.mmF16.length + f.preset.length + f.template.length;
    expect(done.progress.total_bytes).toBe(expectedTotal);
    expect(done.progress.bytes_downloaded).toBe(expectedTotal);
    expect(readFileSync(snapshotFile('org/Tiny-GGUF', commit, 'Tiny-Q8_0.gguf')).equals(f.q8)).toBe(
      true,
    );
    expect(
      readFileSync(snapshotFile('org/Tiny-GGUF', commit, 'mmproj-Tiny-F16.gguf')).equals(f.mmF16),
    ).toBe(true);
    expect(readFileSync(snapshotFile('org/Tiny-GGUF', commit, 'preset.ini')).equals(f.preset)).toBe(
      true,
    );
    expect(
      readFileSync(snapshotFile('org/Tiny-GGUF', commit, 'templates/chat.jinja')).equals(
        f.template,
      ),
    ).toBe(true);
    expect(existsSync(snapshotFile('org/Tiny-GGUF', commit, 'Tiny-Q4_K_M.gguf'))).toBe(false);
    expect(existsSync(snapshotFile('org/Tiny-GGUF', commit, 'mmproj-Tiny-F32.gguf'))).toBe(false);
    expect(existsSync(snapshotFile('org/Tiny-GGUF', commit, 'README.md'))).toBe(false);
    // hub layout: snapshot entries are symlinks to content-addressed blobs, refs/<tag> holds the commit
    expect(
      lstatSync(snapshotFile('org/Tiny-GGUF', commit, 'Tiny-Q8_0.gguf')).isSymbolicLink(),
    ).toBe(true);
    expect(readdirSync(join(repoDir('org/Tiny-GGUF'), 'blobs'))).toContain(
      hub.fileSha256('org/Tiny-GGUF', 'Tiny-Q8_0.gguf'),
    );
    expect(readFileSync(join(repoDir('org/Tiny-GGUF'), 'refs', 'Q8_0'), 'utf8')).toBe(commit);
    expect(events.some((e) => (e as { job: DownloadJob }).job.status === 'completed')).toBe(true);

    const listed = (await models()).find((m) => m.repo === 'org/Tiny-GGUF' && m.tag === 'Q8_0');
    expect(listed).toBeDefined();
    expect(listed!.node).toBe('main');
    expect(listed!.size_bytes).toBe(expectedTotal);
    expect(listed!.files.map((x) => [x.name, x.type]).sort()).toEqual(
      [
        ['Tiny-Q8_0.gguf', 'gguf'],
        ['mmproj-Tiny-F16.gguf', 'mmproj'],
        ['preset.ini', 'preset'],
        ['templates/chat.jinja', 'other'],
      ].sort(),
    );
    expect(listed!.gguf).toEqual({
      architecture: 'qwen2',
      context_length: 32768,
      quantization: 'Q8_0',
      parameter_count: 256,
    });
  });

  it('downloads every part of a split model, keeping the folder layout, when no tag is given', async () => {
    const parts = [randomBytes(4000), randomBytes(4000), randomBytes(1500)];
    const commit = hub.addRepo('org/Split-GGUF', [
      { path: 'Q8_0/Split-Q8_0.gguf', content: randomBytes(100) },
      ...parts.map((content, i) => ({
        path: `Q4_K_M/Split-Q4_K_M-0000${i + 1}-of-00003.gguf`,
        content,
      })),
    ]);
    hub.switches.pageSize = 2; // the listing arrives in pages linked by the Link header
    const done = await download('org/Split-GGUF');
    expect(done.tag).toBe('main');
    expect(done.model_path).toBe(
      snapshotFile('org/Split-GGUF', commit, 'Q4_K_M/Split-Q4_K_M-00001-of-00003.gguf'),
    );
    parts.forEach((content, i) => {
      const p = snapshotFile(
        'org/Split-GGUF',
        commit,
        `Q4_K_M/Split-Q4_K_M-0000${i + 1}-of-00003.gguf`,
      );
      expect(readFileSync(p).equals(content)).toBe(true);
    });
    expect(existsSync(snapshotFile('org/Split-GGUF', commit, 'Q8_0/Split-Q8_0.gguf'))).toBe(false);
  });

  it('resumes a download cut half way with a Range request and ends with an identical file', async () => {
    const content = randomBytes(3 << 20);
    const commit = hub.addRepo('org/Cut-GGUF', [{ path: 'Cut-Q4_K_M.gguf', content }]);
    hub.switches.cut = { path: 'Cut-Q4_K_M.gguf', atByte: (3 << 20) / 2, times: 1 };
    await download('org/Cut-GGUF');
    expect(
      readFileSync(snapshotFile('org/Cut-GGUF', commit, 'Cut-Q4_K_M.gguf')).equals(content),
    ).toBe(true);
    const ranged = hub.requests.filter((r) => r.url.includes('Cut-Q4_K_M.gguf') && r.range);
    expect(ranged.length).toBeGreaterThan(0);
    expect(Number(/bytes=(\d+)-/.exec(ranged[0].range!)![1])).toBeGreaterThan(0);
  });

  it('completes and verifies a split model and a safetensors repo when the hub, sending files from its CDN, drops a connection half way', async () => {
    hub.switches.cdn = true; // as the real hub: LFS files come from another origin
    try {
      const parts = [randomBytes(256 << 10), randomBytes(256 << 10)];
      const splitCommit = hub.addRepo(
        'org/CutSplit-GGUF',
        parts.map((content, i) => ({
          path: `CutSplit-Q4_K_M-0000${i + 1}-of-00002.gguf`,
          content,
        })),
      );
      hub.switches.cut = {
        path: 'CutSplit-Q4_K_M-00002-of-00002.gguf',
        atByte: 128 << 10,
        times: 1,
      };
      await download('org/CutSplit-GGUF');
      parts.forEach((content, i) => {
        const p = snapshotFile(
          'org/CutSplit-GGUF',
          splitCommit,
          `CutSplit-Q4_K_M-0000${i + 1}-of-00002.gguf`,
        );
        expect(readFileSync(p).equals(content)).toBe(true);
      });

      const weights = randomBytes(256 << 10);
      const stCommit = hub.addRepo('org/Cut-ST', [
        { path: 'model.safetensors', content: weights },
        { path: 'config.json', content: Buffer.from('{"model_type":"llama"}') },
      ]);
      hub.switches.cut = { path: 'model.safetensors', atByte: 100_000, times: 1 };
      await download('org/Cut-ST', 'safetensors');
      expect(
        readFileSync(snapshotFile('org/Cut-ST', stCommit, 'model.safetensors')).equals(weights),
      ).toBe(true);
    } finally {
      hub.switches.cdn = false;
    }
    // Each cut file was resumed from where it stopped, at the CDN.
    for (const [file, at] of [
      ['CutSplit-Q4_K_M-00002-of-00002.gguf', 128 << 10],
      ['model.safetensors', 100_000],
    ] as const) {
      const resumed = hub.requests.filter((r) => r.cdn && r.url.includes(file) && r.range);
      expect(resumed).toHaveLength(1);
      const from = Number(/^bytes=(\d+)-$/.exec(resumed[0].range!)![1]);
      expect(from).toBeGreaterThan(0);
      expect(from).toBeLessThanOrEqual(at);
    }
  });

  it('restarts cleanly when the hub ignores Range and answers 200 with the whole file', async () => {
    const content = randomBytes(2 << 20);
    const commit = hub.addRepo('org/NoRange-GGUF', [{ path: 'NoRange-Q4_K_M.gguf', content }]);
    hub.switches.cut = { path: 'NoRange-Q4_K_M.gguf', atByte: 1 << 20, times: 1 };
    hub.switches.ignoreRange = true;
    await download('org/NoRange-GGUF');
    expect(
      readFileSync(snapshotFile('org/NoRange-GGUF', commit, 'NoRange-Q4_K_M.gguf')).equals(content),
    ).toBe(true);
  });

  it('retries after a stall and after server errors', async () => {
    const content = randomBytes(2 << 20);
    const commit = hub.addRepo('org/Stall-GGUF', [{ path: 'Stall-Q4_K_M.gguf', content }]);
    hub.switches.failApi = { status: 502, times: 2 };
    hub.switches.failResolve = { status: 503, times: 2 };
    hub.switches.stall = { path: 'Stall-Q4_K_M.gguf', atByte: 1 << 20 };
    const id = await startDownload(server, 'org/Stall-GGUF');
    await expect
      .poll(async () => (await job(server, id)).progress.bytes_downloaded, { timeout: 20_000 })
      .toBe(1 << 20);
    // the held connection stays stuck; the next request (after the stall timeout) is served
    hub.switches.stall = undefined;
    await waitForStatus(server, id, 'completed');
    expect(
      readFileSync(snapshotFile('org/Stall-GGUF', commit, 'Stall-Q4_K_M.gguf')).equals(content),
    ).toBe(true);
    expect(
      hub.requests.some(
        (r) => r.url.includes('Stall-Q4_K_M.gguf') && r.range === `bytes=${1 << 20}-`,
      ),
    ).toBe(true);
    expect(hub.switches.failApi?.times).toBe(0);
  });

  it('reports a stalled transfer on the event stream with its true byte count and a speed of 0', async () => {
    hub.addRepo('org/Quiet-GGUF', [{ path: 'Quiet-Q4_K_M.gguf', content: randomBytes(2 << 20) }]);
    hub.switches.stall = { path: 'Quiet-Q4_K_M.gguf', atByte: 1 << 20 };
    const seen: Array<{ id: string; progress: { bytes_downloaded: number; speed_bps?: number } }> =
      [];
    const off = server.services.events.subscribe((e) => {
      if (e.type === 'job') seen.push(e.job as (typeof seen)[number]);
    });
    try {
      const id = await startDownload(server, 'org/Quiet-GGUF');
      await vi.waitFor(
        () => {
          const last = seen.filter((j) => j.id === id).at(-1);
          expect(last?.progress.bytes_downloaded).toBe(1 << 20);
          expect(last?.progress.speed_bps).toBe(0);
        },
        { timeout: 20_000, interval: 100 },
      );
      expect((await server.api(`/api/v1/models/jobs/${id}`, { method: 'DELETE' })).status).toBe(
        204,
      );
    } finally {
      off();
      hub.releaseStall();
      hub.switches.stall = undefined;
    }
  });

  it('rejects a file whose bytes do not match the listed SHA-256 and links nothing', async () => {
    const commit = hub.addRepo('org/Bad-GGUF', [
      { path: 'Bad-Q4_K_M.gguf', content: randomBytes(5000) },
    ]);
    hub.switches.corrupt.add('Bad-Q4_K_M.gguf');
    const id = await startDownload(server, 'org/Bad-GGUF');
    const failed = await waitForStatus(server, id, 'failed');
    expect(failed.error).toMatch(/checksum mismatch/);
    expect(existsSync(snapshotFile('org/Bad-GGUF', commit, 'Bad-Q4_K_M.gguf'))).toBe(false);
    expect(readdirSync(join(repoDir('org/Bad-GGUF'), 'blobs'))).toEqual([]);
  });

  it('keeps the partial file on cancel, removes the cancelled job on a second DELETE, and resumes on the next download', async () => {
    const content = randomBytes(2 << 20);
    const commit = hub.addRepo('org/Cancel-GGUF', [{ path: 'Cancel-Q4_K_M.gguf', content }]);
    hub.switches.stall = { path: 'Cancel-Q4_K_M.gguf', atByte: 1 << 20 };
    const id = await startDownload(server, 'org/Cancel-GGUF');
    await expect
      .poll(async () => (await job(server, id)).progress.bytes_downloaded, { timeout: 20_000 })
      .toBe(1 << 20);
    expect((await server.api(`/api/v1/models/jobs/${id}`, { method: 'DELETE' })).status).toBe(204);
    const cancelled = await job(server, id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.completed_at).toBeGreaterThan(0);
    // llamactl removes a finished job (its web UI dismisses failed downloads this way)
    const again = await server.api(`/api/v1/models/jobs/${id}`, { method: 'DELETE' });
    expect(again.status).toBe(204);
    expect((await server.api(`/api/v1/models/jobs/${id}`)).status).toBe(404);
    const jobs = (await (await server.api('/api/v1/models/jobs')).json()) as {
      jobs: DownloadJob[];
    };
    expect(jobs.jobs.map((j) => j.id)).not.toContain(id);
    const partial = join(
      repoDir('org/Cancel-GGUF'),
      'blobs',
      `${hub.fileSha256('org/Cancel-GGUF', 'Cancel-Q4_K_M.gguf')}.incomplete`,
    );
    // the partial file is preallocated; its progress record says what it holds
    await expect
      .poll(() => existsSync(partial) && readFileSync(`${partial}.progress`, 'utf8'))
      .toBe(JSON.stringify({ version: 1, size: 2 << 20, done: [[0, 1 << 20]] }));

    hub.releaseStall();
    const second = await download('org/Cancel-GGUF');
    expect(second.id).not.toBe(id);
    expect(
      readFileSync(snapshotFile('org/Cancel-GGUF', commit, 'Cancel-Q4_K_M.gguf')).equals(content),
    ).toBe(true);
    expect(
      hub.requests.some(
        (r) => r.url.includes('Cancel-Q4_K_M.gguf') && r.range === `bytes=${1 << 20}-`,
      ),
    ).toBe(true);
  });

  it('fails a private repo without a token with a message that says so, and downloads it with HF_TOKEN', async () => {
    const content = tinyGguf();
    const commit = hub.addRepo('org/Private-GGUF', [{ path: 'Private-Q4_K_M.gguf', content }], {
      private: true,
    });
    const id = await startDownload(server, 'org/Private-GGUF');
    const failed = await waitForStatus(server, id, 'failed');
    expect(failed.error).toMatch(/needs a Hugging Face token \(set HF_TOKEN\)/);

    process.env.HF_TOKEN = hub.switches.token;
    await download('org/Private-GGUF');
    expect(
      readFileSync(snapshotFile('org/Private-GGUF', commit, 'Private-Q4_K_M.gguf')).equals(content),
    ).toBe(true);
    expect(
      hub.requests
        .filter((r) => r.url.includes('Private-Q4_K_M.gguf'))
        .every((r) => r.authorization === `Bearer ${hub.switches.token}`),
    ).toBe(true);
  });

  it('reports an unknown repo or tag as "no such repo or tag"', async () => {
    process.env.HF_TOKEN = hub.switches.token;
    const id = await startDownload(server, 'org/Does-Not-Exist');
    const failed = await waitForStatus(server, id, 'failed');
    expect(failed.error).toMatch(/no such repo or tag/);
    hub.addRepo('org/Quant-GGUF', [{ path: 'Quant-Q4_K_M.gguf', content: randomBytes(10) }]);
    const id2 = await startDownload(server, 'org/Quant-GGUF:Q2_K');
    expect((await waitForStatus(server, id2, 'failed')).error).toMatch(
      /no GGUF file matches tag 'Q2_K'.*Q4_K_M/,
    );
  });
});

describe('segmented downloads (1 MiB segments, 4 connections per file)', () => {
  const MiB = 1 << 20;
  const segmented = { downloads: { segment_size: 1, connections_per_file: 4 } };
  let seg: TestServer;
  beforeAll(async () => {
    seg = await startTestServer({ config: segmented });
  });
  afterAll(async () => {
    await seg?.close();
  });

  const fileRequests = (file: string, from = 0) =>
    hub.requests.slice(from).filter((r) => r.method === 'GET' && r.url.endsWith(file));

  it('fetches a file in ranged segments and, when a connection drops in the middle of a segment, fetches only the rest of that segment again', async () => {
    const content = randomBytes(6 * MiB);
    const commit = hub.addRepo('org/Seg-GGUF', [{ path: 'Seg-Q4_K_M.gguf', content }]);
    hub.switches.cut = { path: 'Seg-Q4_K_M.gguf', atByte: 2.5 * MiB, times: 1 };
    const from = hub.requests.length;
    await waitForStatus(seg, await startDownload(seg, 'org/Seg-GGUF'), 'completed');
    expect(
      readFileSync(snapshotFile('org/Seg-GGUF', commit, 'Seg-Q4_K_M.gguf')).equals(content),
    ).toBe(true);
    const ranges = fileRequests('Seg-Q4_K_M.gguf', from).map((r) => r.range);
    expect(ranges.sort()).toEqual(
      [
        `bytes=0-${MiB - 1}`,
        `bytes=${MiB}-${2 * MiB - 1}`,
        `bytes=${2 * MiB}-${3 * MiB - 1}`,
        `bytes=${2.5 * MiB}-${3 * MiB - 1}`, // the cut segment, from the cut
        `bytes=${3 * MiB}-${4 * MiB - 1}`,
        `bytes=${4 * MiB}-${5 * MiB - 1}`,
        `bytes=${5 * MiB}-`,
      ].sort(),
    );
  });

  it('announces the last byte of a file on the event stream at once, before its verification ends', async () => {
    // Progress events go out at most every 250 ms; the moment a file's bytes are all in is
    // published regardless, so the dashboard (and bench:download) see the transfer's end apart
    // from the hash's.
    hub.addRepo('org/Last-GGUF', [{ path: 'Last-Q4_K_M.gguf', content: randomBytes(6 * MiB) }]);
    const seen: {
      id: string;
      status: string;
      progress: { bytes_downloaded: number; total_bytes: number; files_done: number };
    }[] = [];
    const off = seg.services.events.subscribe((e) => {
      if (e.type === 'job') seen.push(structuredClone(e.job) as (typeof seen)[number]);
    });
    try {
      const id = await startDownload(seg, 'org/Last-GGUF');
      await waitForStatus(seg, id, 'completed');
      const mine = seen.filter((j) => j.id === id);
      const lastByte = mine.findIndex(
        (j) =>
          j.status === 'downloading' &&
          j.progress.total_bytes === 6 * MiB &&
          j.progress.bytes_downloaded === 6 * MiB &&
          j.progress.files_done === 0,
      );
      expect(lastByte).toBeGreaterThanOrEqual(0);
      expect(mine.findIndex((j) => j.status === 'completed')).toBeGreaterThan(lastByte);
    } finally {
      off();
    }
  });

  it('falls back to one stream when the hub ignores Range: the first answer (200, the whole file) is the only request', async () => {
    const content = randomBytes(6 * MiB);
    const commit = hub.addRepo('org/SegNoRange-GGUF', [{ path: 'SNR-Q4_K_M.gguf', content }]);
    hub.switches.ignoreRange = true;
    const from = hub.requests.length;
    await waitForStatus(seg, await startDownload(seg, 'org/SegNoRange-GGUF'), 'completed');
    expect(
      readFileSync(snapshotFile('org/SegNoRange-GGUF', commit, 'SNR-Q4_K_M.gguf')).equals(content),
    ).toBe(true);
    expect(fileRequests('SNR-Q4_K_M.gguf', from).map((r) => r.range)).toEqual([
      `bytes=0-${MiB - 1}`,
    ]);
  });

  it('fails the job on a wrong hash, renames nothing into place and removes the partial file', async () => {
    const commit = hub.addRepo('org/SegBad-GGUF', [
      { path: 'SB-Q4_K_M.gguf', content: randomBytes(6 * MiB) },
    ]);
    hub.switches.corrupt.add('SB-Q4_K_M.gguf');
    const id = await startDownload(seg, 'org/SegBad-GGUF');
    const failed = await waitForStatus(seg, id, 'failed');
    expect(failed.error).toMatch(/SB-Q4_K_M\.gguf: checksum mismatch/);
    expect(existsSync(snapshotFile('org/SegBad-GGUF', commit, 'SB-Q4_K_M.gguf'))).toBe(false);
    expect(readdirSync(join(repoDir('org/SegBad-GGUF'), 'blobs'))).toEqual([]);
  });

  it('never has more than downloads.max_connections requests open across jobs', async () => {
    const s = await startTestServer({
      config: { downloads: { ...segmented.downloads, max_connections: 3, max_concurrent_jobs: 2 } },
    });
    try {
      const a = randomBytes(6 * MiB);
      const b = randomBytes(6 * MiB);
      const ca = hub.addRepo('org/LimitA-GGUF', [{ path: 'LA-Q4_K_M.gguf', content: a }]);
      const cb = hub.addRepo('org/LimitB-GGUF', [{ path: 'LB-Q4_K_M.gguf', content: b }]);
      hub.peakDownloads = 0;
      // bodies wait until released: every request the limit lets through stays open
      hub.switches.hold = true;
      const ids = [
        await startDownload(s, 'org/LimitA-GGUF'),
        await startDownload(s, 'org/LimitB-GGUF'),
      ];
      await expect.poll(() => hub.activeDownloads, { timeout: 20_000 }).toBe(3);
      hub.releaseHold();
      for (const id of ids) await waitForStatus(s, id, 'completed');
      // 2 files x 4 connections would be 8 without the limit
      expect(hub.peakDownloads).toBe(3);
      expect(readFileSync(snapshotFile('org/LimitA-GGUF', ca, 'LA-Q4_K_M.gguf')).equals(a)).toBe(
        true,
      );
      expect(readFileSync(snapshotFile('org/LimitB-GGUF', cb, 'LB-Q4_K_M.gguf')).equals(b)).toBe(
        true,
      );
    } finally {
      await s.close();
    }
  });

  it('resumes only the missing segments after a restart of the server half way', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'llamactl-models-seg-restart-'));
    // 2 MiB segments: [6, 8) MiB stops after its first MiB; the other five complete
    const config = { downloads: { segment_size: 2, connections_per_file: 4 } };
    const content = randomBytes(12 * MiB);
    const commit = hub.addRepo('org/SegRestart-GGUF', [{ path: 'SR-Q4_K_M.gguf', content }]);
    hub.switches.stall = { path: 'SR-Q4_K_M.gguf', atByte: 7 * MiB };
    const first = await startTestServer({ dataDir, config });
    let id: string;
    try {
      id = await startDownload(first, 'org/SegRestart-GGUF');
      await expect
        .poll(async () => (await job(first, id)).progress.bytes_downloaded, { timeout: 20_000 })
        .toBe(11 * MiB);
    } finally {
      await first.close({ keepData: true });
    }
    hub.releaseStall();
    const from = hub.requests.length;
    const second = await startTestServer({ dataDir, config });
    try {
      await waitForStatus(second, id!, 'completed');
      expect(
        readFileSync(snapshotFile('org/SegRestart-GGUF', commit, 'SR-Q4_K_M.gguf')).equals(content),
      ).toBe(true);
      expect(fileRequests('SR-Q4_K_M.gguf', from).map((r) => r.range)).toEqual([
        `bytes=${7 * MiB}-${8 * MiB - 1}`,
      ]);
    } finally {
      await second.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('safetensors downloads', () => {
  it('downloads weights, tokenizer and config files and skips .bin when safetensors exist', async () => {
    const files = {
      'model-00001-of-00002.safetensors': randomBytes(3000),
      'model-00002-of-00002.safetensors': randomBytes(2000),
      'model.safetensors.index.json': Buffer.from('{"weight_map":{}}'),
      'config.json': Buffer.from('{"model_type":"llama"}'),
      'tokenizer.json': Buffer.from('{"version":"1.0"}'),
      'tokenizer.model': randomBytes(300),
      'original/params.json': Buffer.from('{}'),
    };
    const commit = hub.addRepo('org/Tiny-ST', [
      ...Object.entries(files).map(([path, content]) => ({ path, content })),
      { path: 'pytorch_model.bin', content: randomBytes(100) },
      { path: 'README.md', content: Buffer.from('readme') },
      { path: '.gitattributes', content: Buffer.from('*.safetensors filter=lfs') },
    ]);
    const done = await download('org/Tiny-ST', 'safetensors');
    expect(done.model_path).toBe(join(repoDir('org/Tiny-ST'), 'snapshots', commit));
    for (const [path, content] of Object.entries(files)) {
      expect(readFileSync(snapshotFile('org/Tiny-ST', commit, path)).equals(content)).toBe(true);
    }
    for (const skipped of ['pytorch_model.bin', 'README.md', '.gitattributes']) {
      expect(existsSync(snapshotFile('org/Tiny-ST', commit, skipped))).toBe(false);
    }
    expect(readFileSync(join(repoDir('org/Tiny-ST'), 'refs', 'main'), 'utf8')).toBe(commit);
  });

  it('falls back to .bin weights when the repo has no safetensors', async () => {
    const bin = randomBytes(2500);
    const commit = hub.addRepo('org/Old-BIN', [
      { path: 'pytorch_model.bin', content: bin },
      { path: 'config.json', content: Buffer.from('{}') },
      { path: 'model.pth', content: randomBytes(10) },
    ]);
    await download('org/Old-BIN', 'safetensors');
    expect(readFileSync(snapshotFile('org/Old-BIN', commit, 'pytorch_model.bin')).equals(bin)).toBe(
      true,
    );
    expect(existsSync(snapshotFile('org/Old-BIN', commit, 'model.pth'))).toBe(false);
  });
});

describe('cache deletion', () => {
  it('deleting one tag keeps the other tag and the blobs they share', async () => {
    const f = ggufRepoFiles();
    const commit = hub.addRepo('org/Two-GGUF', [
      { path: 'Two-Q4_K_M.gguf', content: f.q4 },
      { path: 'Two-Q8_0.gguf', content: f.q8 },
      { path: 'mmproj-Two-F16.gguf', content: f.mmF16 },
    ]);
    await download('org/Two-GGUF:Q4_K_M');
    await download('org/Two-GGUF:Q8_0');
    const both = (await models()).filter((m) => m.repo === 'org/Two-GGUF');
    expect(both.map((m) => m.tag).sort()).toEqual(['Q4_K_M', 'Q8_0']);
    // each tag lists its own files only, even though they share one snapshot folder
    expect(
      both
        .find((m) => m.tag === 'Q4_K_M')!
        .files.map((x) => x.name)
        .sort(),
    ).toEqual(['Two-Q4_K_M.gguf', 'mmproj-Two-F16.gguf']);

    const del = await server.api('/api/v1/models?repo=org/Two-GGUF&tag=Q4_K_M', {
      method: 'DELETE',
    });
    expect(del.status).toBe(204);
    const left = (await models()).filter((m) => m.repo === 'org/Two-GGUF');
    expect(left.map((m) => m.tag)).toEqual(['Q8_0']);
    expect(readFileSync(snapshotFile('org/Two-GGUF', commit, 'Two-Q8_0.gguf')).equals(f.q8)).toBe(
      true,
    );
    expect(
      readFileSync(snapshotFile('org/Two-GGUF', commit, 'mmproj-Two-F16.gguf')).equals(f.mmF16),
    ).toBe(true);
    expect(existsSync(snapshotFile('org/Two-GGUF', commit, 'Two-Q4_K_M.gguf'))).toBe(false);
    expect(readdirSync(join(repoDir('org/Two-GGUF'), 'blobs'))).not.toContain(
      hub.fileSha256('org/Two-GGUF', 'Two-Q4_K_M.gguf'),
    );

    expect(
      (await server.api('/api/v1/models?repo=org/Two-GGUF&tag=Q4_K_M', { method: 'DELETE' }))
        .status,
    ).toBe(404);
    expect(
      (await server.api('/api/v1/models?repo=org/Two-GGUF:Q4_K_M', { method: 'DELETE' })).status,
    ).toBe(404);
    const cache = await (await server.api('/api/v1/models/cache')).json();
    expect(cache).toEqual({ node: 'main', hub_root: cacheRoot });
    expect(
      (await server.api('/api/v1/models?repo=org/Two-GGUF', { method: 'DELETE' })).status,
    ).toBe(204);
    expect(existsSync(repoDir('org/Two-GGUF'))).toBe(false);
    const gone = await server.api('/api/v1/models?repo=org/Two-GGUF', { method: 'DELETE' });
    expect(gone.status).toBe(404);
    expect((await gone.json()).error).toBe('model_not_found');
  });
});

describe('planted links in the cache', () => {
  it('fails a download whose blobs folder is a link out of the cache, writing nothing there', async () => {
    hub.addRepo('org/Linked-GGUF', [{ path: 'Linked-Q4_K_M.gguf', content: tinyGguf({}) }]);
    const outside = mkdtempSync(join(tmpdir(), 'llamactl-outside-'));
    try {
      mkdirSync(repoDir('org/Linked-GGUF'), { recursive: true });
      symlinkSync(outside, join(repoDir('org/Linked-GGUF'), 'blobs'));
      const id = await startDownload(server, 'org/Linked-GGUF:Q4_K_M');
      const failed = await waitForStatus(server, id, 'failed');
      expect(failed.error).toContain('outside the cache');
      expect(readdirSync(outside)).toEqual([]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('concurrent tags', () => {
  it('downloads two tags of one repo at the same time, sharing the mmproj blob', async () => {
    const f = ggufRepoFiles();
    const commit = hub.addRepo('org/Both-GGUF', [
      { path: 'Both-Q4_K_M.gguf', content: f.q4 },
      { path: 'Both-Q8_0.gguf', content: f.q8 },
      { path: 'mmproj-Both-F16.gguf', content: f.mmF16 },
    ]);
    const [a, b] = await Promise.all([
      startDownload(server, 'org/Both-GGUF:Q4_K_M'),
      startDownload(server, 'org/Both-GGUF:Q8_0'),
    ]);
    await Promise.all([
      waitForStatus(server, a, 'completed'),
      waitForStatus(server, b, 'completed'),
    ]);
    expect(
      readFileSync(snapshotFile('org/Both-GGUF', commit, 'mmproj-Both-F16.gguf')).equals(f.mmF16),
    ).toBe(true);
    expect(
      readFileSync(snapshotFile('org/Both-GGUF', commit, 'Both-Q4_K_M.gguf')).equals(f.q4),
    ).toBe(true);
    expect(readFileSync(snapshotFile('org/Both-GGUF', commit, 'Both-Q8_0.gguf')).equals(f.q8)).toBe(
      true,
    );
    const mmprojGets = hub.requests.filter(
      (r) => r.method === 'GET' && r.url.includes('mmproj-Both-F16.gguf'),
    );
    expect(mmprojGets).toHaveLength(1);
  });

  it('returns the running job when the same download is requested twice', async () => {
    hub.addRepo('org/Twice-GGUF', [{ path: 'Twice-Q4_K_M.gguf', content: randomBytes(2 << 20) }]);
    hub.switches.stall = { path: 'Twice-Q4_K_M.gguf', atByte: 1 << 20 };
    const first = await startDownload(server, 'org/Twice-GGUF:Q4_K_M');
    const second = await startDownload(server, 'org/Twice-GGUF:Q4_K_M');
    expect(second).toBe(first);
    hub.releaseStall();
    await waitForStatus(server, first, 'completed');
  });
});

describe('bad input', () => {
  it.each([
    [{ repo: 'org/x', format: 'ggml' }, /format: must be one of gguf, safetensors/],
    [{ repo: 'noslash' }, /repo: must be in format 'org\/model'/],
    [{ repo: 'a/b/c' }, /repo: must be in format/],
    [{ repo: '../etc/passwd' }, /repo: /],
    [{ repo: 'org/..' }, /repo: /],
    [{ repo: 'org/x:../../evil' }, /repo: tag/],
    [{}, /repo is required/],
    [{ repo: 42 }, /repo: must be a string/],
  ])('refuses %j with 400', async (body, message) => {
    const res = await server.api('/api/v1/models/download', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(400);
    const json = await res.json();
    expect(json.error).toBe('invalid_request');
    expect(json.details).toMatch(message);
  });

  it('refuses a hub listing with a path-traversal file name and writes nothing outside the cache', async () => {
    hub.addRepo('org/Evil-GGUF', [
      { path: 'Evil-Q4_K_M.gguf', content: randomBytes(50) },
      { path: '../../escaped-Q4_K_M.gguf', content: randomBytes(50) },
    ]);
    const id = await startDownload(server, 'org/Evil-GGUF');
    const failed = await waitForStatus(server, id, 'failed');
    expect(failed.error).toMatch(/unsafe file path/);
    expect(existsSync(join(cacheRoot, 'escaped-Q4_K_M.gguf'))).toBe(false);
    expect(existsSync(join(repoDir('org/Evil-GGUF'), 'escaped-Q4_K_M.gguf'))).toBe(false);
  });

  it('answers 404 for an unknown node, an unknown job and a missing model', async () => {
    const node = await server.api('/api/v1/models?node=nowhere');
    expect(node.status).toBe(404);
    expect((await node.json()).error).toBe('node_not_found');
    expect((await server.api('/api/v1/models/jobs/0123456789abcdef')).status).toBe(404);
    expect(
      (await server.api('/api/v1/models?repo=org/nothing-here', { method: 'DELETE' })).status,
    ).toBe(404);
    expect((await server.api('/api/v1/models', { method: 'DELETE' })).status).toBe(400);
  });

  it('lists the quantizations a hub repo offers', async () => {
    hub.addRepo('org/Menu-GGUF', [
      { path: 'Menu-Q8_0.gguf', content: randomBytes(30) },
      { path: 'Menu-Q4_K_M-00001-of-00002.gguf', content: randomBytes(20) },
      { path: 'Menu-Q4_K_M-00002-of-00002.gguf', content: randomBytes(20) },
      { path: 'mmproj-Menu-F16.gguf', content: randomBytes(5) },
    ]);
    const res = await server.api('/api/v1/models/hub/files?repo=org/Menu-GGUF');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.default_tag).toBe('Q4_K_M');
    expect(body.quantizations).toEqual([
      {
        tag: 'Q4_K_M',
        files: ['Menu-Q4_K_M-00001-of-00002.gguf', 'Menu-Q4_K_M-00002-of-00002.gguf'],
        size_bytes: 40,
        split: true,
      },
      { tag: 'Q8_0', files: ['Menu-Q8_0.gguf'], size_bytes: 30, split: false },
    ]);
    expect(body.mmproj).toEqual(['mmproj-Menu-F16.gguf']);
  });
});

describe('queue and restarts', () => {
  it('runs at most max_concurrent_jobs at once and queues the rest', async () => {
    const s = await startTestServer({ config: { downloads: { max_concurrent_jobs: 1 } } });
    try {
      const a = randomBytes(2 << 20);
      const b = randomBytes(1000);
      hub.addRepo('org/QueueA-GGUF', [{ path: 'A-Q4_K_M.gguf', content: a }]);
      hub.addRepo('org/QueueB-GGUF', [{ path: 'B-Q4_K_M.gguf', content: b }]);
      hub.switches.stall = { path: 'A-Q4_K_M.gguf', atByte: 1 << 20 };
      const idA = await startDownload(s, 'org/QueueA-GGUF');
      await expect.poll(async () => (await job(s, idA)).status).toBe('downloading');
      const idB = await startDownload(s, 'org/QueueB-GGUF');
      await expect
        .poll(async () => (await job(s, idA)).progress.bytes_downloaded, { timeout: 20_000 })
        .toBe(1 << 20);
      expect((await job(s, idB)).status).toBe('queued');
      hub.releaseStall();
      await waitForStatus(s, idA, 'completed');
      await waitForStatus(s, idB, 'completed');
    } finally {
      await s.close();
    }
  });

  it('reads free space with statfs, and says "unknown" (null) for a folder that does not exist', async () => {
    expect(await freeBytesOf(tmpdir())).toBeGreaterThan(0);
    expect(await freeBytesOf(join(tmpdir(), 'no-such-folder-for-llamactl'))).toBeNull();
  });

  it('fails before the first byte when the disk cannot hold what is left, counting partial files', async () => {
    const content = randomBytes(2 << 20);
    hub.addRepo('org/Full-GGUF', [{ path: 'Full-Q4_K_M.gguf', content }]);
    let free = 1 << 20;
    const s = await startTestServer({ freeBytes: async () => free });
    try {
      const from = hub.requests.length;
      const failed = await waitForStatus(s, await startDownload(s, 'org/Full-GGUF'), 'failed');
      expect(failed.error).toMatch(
        /not enough disk space for org\/Full-GGUF: 2\.1 MB still to download, 1\.0 MB free/,
      );
      expect(hub.requests.slice(from).some((r) => r.url.includes('/resolve/'))).toBe(false);

      // Half the file already on disk as a partial download: 1 MiB is left, and 1.5 MiB is free.
      const oid = hub.fileSha256('org/Full-GGUF', 'Full-Q4_K_M.gguf');
      const blobs = join(repoDir('org/Full-GGUF'), 'blobs');
      writeFileSync(join(blobs, `${oid}.incomplete`), content.subarray(0, 1 << 20));
      free = (3 << 20) / 2;
      await waitForStatus(s, await startDownload(s, 'org/Full-GGUF'), 'completed');
    } finally {
      await s.close();
    }
  });

  it('resumes a job that was downloading when the server stopped, after the restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'llamactl-models-restart-'));
    const content = randomBytes(3 << 20);
    const commit = hub.addRepo('org/Restart-GGUF', [{ path: 'Restart-Q4_K_M.gguf', content }]);
    hub.switches.stall = { path: 'Restart-Q4_K_M.gguf', atByte: 2 << 20 };
    const first = await startTestServer({ dataDir });
    let id: string;
    try {
      id = await startDownload(first, 'org/Restart-GGUF');
      await expect
        .poll(async () => (await job(first, id)).progress.bytes_downloaded, { timeout: 20_000 })
        .toBe(2 << 20);
    } finally {
      await first.close({ keepData: true });
    }
    hub.releaseStall();
    const second = await startTestServer({ dataDir });
    try {
      const done = await waitForStatus(second, id!, 'completed');
      expect(done.id).toBe(id!);
      expect(
        readFileSync(snapshotFile('org/Restart-GGUF', commit, 'Restart-Q4_K_M.gguf')).equals(
          content,
        ),
      ).toBe(true);
      expect(
        hub.requests.some(
          (r) => r.url.includes('Restart-Q4_K_M.gguf') && r.range === `bytes=${2 << 20}-`,
        ),
      ).toBe(true);
    } finally {
      await second.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
