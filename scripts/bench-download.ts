// `npm run bench:download`: one large GGUF (default 1 GiB) from the fake hub (e2e/fixtures/fake-hub.ts,
// generated on the fly from a repeated random block, never stored), fetched in the same run by
//   - curl (the reference transfer, written to a file),
//   - curl followed by sha256sum (the same work our server does: transfer + verification),
//   - our server, as its own process, through POST /api/v1/models/download (transfer, SHA-256
//     verification, rename into blobs/, snapshot link),
// and the server's resident memory (VmRSS) sampled every 50 ms during its download. The job's end
// is taken from the server's event stream (GET /api/v1/events), not from polling.
// Also measured in the same run: this CPU's SHA-256 speed on data in memory (the ceiling of any
// verified download: a SHA-256 is sequential, one core computes it) and whether the CPU has SHA
// instructions. Prints figures against the targets (≥ 0.9x curl, < 64 MB RSS growth);
// never fails on them (figures on a shared 2-core machine are noisy). Loopback only; bounded to
// one file per tool.
//
// Knobs: BENCH_DOWNLOAD_BYTES (default 1073741824), BENCH_NODE_ARGS (node flags for our server,
// e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  createReadStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { serveForBench } from './bench-serve';

const THIS_FILE = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const FAKE_HUB = join(ROOT, 'e2e', 'fixtures', 'fake-hub.ts');
const MGMT_KEY = 'llamactl-mgmt-bench-00000000000000000000000000000000000000000000000000000000';
const SIZE = Number(process.env.BENCH_DOWNLOAD_BYTES ?? 1 << 30);
const REPO = 'bench/big-GGUF';
const FILE = 'big-Q4_K_M.gguf';

// ---- helpers -------------------------------------------------------------------------------

const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
});

/** Starts a child and resolves with the first stdout line matching `re`. */
function startChild(
  args: string[],
  env: NodeJS.ProcessEnv,
  re: RegExp,
  nodeArgs: string[] = [],
): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const child = nodeArgs.length
    ? spawn(process.execPath, [...nodeArgs, '--import', 'tsx', ...args], {
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      })
    : spawn(TSX, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      const m = re.exec(line);
      if (m) resolve({ child, match: m });
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

function ensureCurl(): void {
  if (spawnSync('curl', ['--version']).status === 0) return;
  console.log('curl not found; installing it with apt-get');
  spawnSync('apt-get', ['update'], { stdio: 'inherit' });
  const r = spawnSync('apt-get', ['install', '-y', 'curl'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('could not install curl');
}

/** CPU seconds (user + system, all threads) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }))
    h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Seconds to SHA-256 `bytes` of data already in memory (1 MiB updates, like the hash worker). */
function sha256InMemory(bytes: number): number {
  const block = Buffer.alloc(1 << 20, 0x5a);
  const h = createHash('sha256');
  const t0 = performance.now();
  for (let done = 0; done < bytes; done += block.length)
    h.update(done + block.length <= bytes ? block : block.subarray(0, bytes - done));
  h.digest();
  return (performance.now() - t0) / 1000;
}

/** Whether the CPU has SHA instructions (x86 SHA-NI, ARM sha2), which make SHA-256 several times faster. */
function cpuShaExtensions(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    return /\b(sha_ni|sha2)\b/.test(info) ? 'yes' : 'no';
  } catch {
    return 'unknown';
  }
}

type JobEnd = { status: string; error?: string };

/**
 * The server's event stream, read from before the download is requested: `end(id)` resolves
 * with the job's final state as soon as the server announces it (no polling delay).
 */
class JobWatcher {
  private readonly ended = new Map<string, JobEnd>();
  private readonly waiters = new Map<string, (j: JobEnd) => void>();
  private readonly ac = new AbortController();

  async open(base: string, key: string): Promise<void> {
    const res = await fetch(`${base}/api/v1/events`, {
      headers: { Authorization: `Bearer ${key}` },
      signal: this.ac.signal,
    });
    if (res.status !== 200 || !res.body) throw new Error(`events stream answered ${res.status}`);
    void this.read(res.body as unknown as AsyncIterable<Uint8Array>).catch(() => {});
  }

  private async read(body: AsyncIterable<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of body) {
      text += decoder.decode(chunk, { stream: true });
      let cut: number;
      while ((cut = text.indexOf('\n\n')) >= 0) {
        const data = text
          .slice(0, cut)
          .split('\n')
          .find((l) => l.startsWith('data: '));
        text = text.slice(cut + 2);
        if (!data) continue;
        const ev = JSON.parse(data.slice(6)) as { type: string; job?: JobEnd & { id: string } };
        if (
          ev.type !== 'job' ||
          !ev.job ||
          ev.job.status === 'queued' ||
          ev.job.status === 'downloading'
        )
          continue;
        this.ended.set(ev.job.id, ev.job);
        this.waiters.get(ev.job.id)?.(ev.job);
      }
    }
  }

  end(id: string): Promise<JobEnd> {
    const known = this.ended.get(id);
    return known ? Promise.resolve(known) : new Promise((resolve) => this.waiters.set(id, resolve));
  }

  close(): void {
    this.ac.abort();
  }
}

function curl(url: string, out: string): number {
  const t0 = performance.now();
  const r = spawnSync('curl', ['-sS', '--fail', '-o', out, url]);
  if (r.status !== 0) throw new Error(`curl failed: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

const mb = (b: number) => (b / 1e6).toFixed(1);
const rate = (bytes: number, s: number) => `${(bytes / s / 1e6).toFixed(0)} MB/s`;

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

// ---- main ----------------------------------------------------------------------------------

async function main(): Promise<void> {
  ensureCurl();
  const work = mkdtempSync(join(tmpdir(), 'llamactl-bench-download-'));
  try {
    console.log(`bench:download: ${mb(SIZE)} MB GGUF from the fake hub on 127.0.0.1`);
    const hub = await startChild(
      [FAKE_HUB, '--fake-hub', '--size', String(SIZE)],
      process.env,
      /^(\{.*\})$/,
    );
    const {
      url: hubUrl,
      commit,
      sha256,
    } = JSON.parse(hub.match[1]) as { url: string; commit: string; sha256: string };
    const fileUrl = `${hubUrl}/${REPO}/resolve/${commit}/${FILE}`;

    // curl (twice, around our run, to see the noise; the faster one is the baseline)
    const curlOut = join(work, 'curl.bin');
    const curl1 = curl(fileUrl, curlOut);
    const t0 = performance.now();
    const sum = await sha256File(curlOut);
    const hashSecs = (performance.now() - t0) / 1000;
    if (sum !== sha256) throw new Error('curl download does not match the listed sha256');
    rmSync(curlOut);

    // our server
    const cache = join(work, 'hub-cache');
    const configPath = join(work, 'config.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        data_dir: join(work, 'data'),
        server: { host: '127.0.0.1', port: 0 },
        auth: { management_keys: [MGMT_KEY] },
      }),
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HF_ENDPOINT: hubUrl,
      LLAMA_CACHE: cache,
      HF_TOKEN: '',
    };
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const srv = await startChild(
      [THIS_FILE, '--serve', configPath],
      env,
      /^BENCH_SERVER (\S+) (\d+)$/,
      nodeArgs,
    );
    const base = srv.match[1];
    const api = (path: string, init: RequestInit = {}) =>
      fetch(base + path, {
        ...init,
        headers: { Authorization: `Bearer ${MGMT_KEY}`, 'Content-Type': 'application/json' },
      });
    // Warm-up: one small download (32 MiB, hash worker included) loads the code paths once, so the
    // figure below is the growth that depends on the download, not one-time module loading.
    const warm = await api('/api/v1/models/download', {
      method: 'POST',
      body: JSON.stringify({ repo: `${REPO}:Q8_0` }),
    });
    const warmId = ((await warm.json()) as { job_id: string }).job_id;
    for (let i = 0; i < 600; i++) {
      const j = (await (await api(`/api/v1/models/jobs/${warmId}`)).json()) as { status: string };
      if (j.status === 'completed') break;
      if (j.status === 'failed') throw new Error('warm-up download failed');
      await sleep(100);
    }
    await sleep(300);
    // the server's own pid (tsx runs it in a child process of its own)
    const pid = Number(srv.match[2]);
    const watcher = new JobWatcher();
    await watcher.open(base, MGMT_KEY);
    const rssBefore = rssBytes(pid);
    let rssPeak = rssBefore;
    const cpuBefore = cpuSeconds(pid);
    const tStart = performance.now();
    const res = await api('/api/v1/models/download', {
      method: 'POST',
      body: JSON.stringify({ repo: `${REPO}:Q4_K_M` }),
    });
    if (res.status !== 202)
      throw new Error(`download request answered ${res.status}: ${await res.text()}`);
    const { job_id } = (await res.json()) as { job_id: string };
    // RSS sampled every 50 ms until the server announces the job's end.
    let over = false;
    const sampler = (async () => {
      while (!over) {
        rssPeak = Math.max(rssPeak, rssBytes(pid));
        await sleep(50);
      }
    })();
    const timeout = setTimeout(() => {
      console.error('our download took more than 10 minutes; giving up');
      process.exit(1);
    }, 10 * 60_000);
    const job = await watcher.end(job_id);
    const ourSecs = (performance.now() - tStart) / 1000;
    over = true;
    clearTimeout(timeout);
    await sampler;
    const ourCpu = cpuSeconds(pid) - cpuBefore;
    watcher.close();
    if (job.status !== 'completed')
      throw new Error(`our download ended ${job.status}: ${job.error}`);
    const blob = join(cache, 'models--bench--big-GGUF', 'blobs', sha256);
    if (statSync(blob).size !== SIZE) throw new Error('blob has the wrong size');
    srv.child.kill('SIGTERM');
    rmSync(cache, { recursive: true, force: true });

    const curl2 = curl(fileUrl, curlOut);
    rmSync(curlOut);
    const curlBest = Math.min(curl1, curl2);
    const ceilingSecs = sha256InMemory(SIZE);
    const curlVerified = curlBest + hashSecs;

    console.log('');
    console.log(
      `curl (transfer only)         ${curl1.toFixed(2)} s, ${curl2.toFixed(2)} s  -> best ${rate(SIZE, curlBest)}`,
    );
    console.log(`sha256 of the file (node)    ${hashSecs.toFixed(2)} s  (${rate(SIZE, hashSecs)})`);
    console.log(
      `curl + sha256 (same work)    ${curlVerified.toFixed(2)} s  -> ${rate(SIZE, curlVerified)}`,
    );
    console.log(
      `our server (verified)        ${ourSecs.toFixed(2)} s  -> ${rate(SIZE, ourSecs)} (request to the job's completed event)`,
    );
    console.log(
      `our server CPU time          ${ourCpu.toFixed(2)} s (all threads; hashing included)`,
    );
    console.log(
      `ratio vs curl transfer       ${(curlBest / ourSecs).toFixed(2)}x   (target >= 0.9x)`,
    );
    console.log(`ratio vs curl + sha256       ${(curlVerified / ourSecs).toFixed(2)}x`);
    console.log('');
    console.log(
      `SHA-256 in memory, this CPU  ${ceilingSecs.toFixed(2)} s  -> ${rate(SIZE, ceilingSecs)} (SHA instructions: ${cpuShaExtensions()})`,
    );
    console.log(
      `  the ceiling of any download verified with SHA-256 here: ${(curlBest / ceilingSecs).toFixed(2)}x curl`,
    );
    console.log(`ratio vs that ceiling        ${(ceilingSecs / ourSecs).toFixed(2)}x`);
    console.log(
      `server RSS before / peak     ${mb(rssBefore)} MB / ${mb(rssPeak)} MB  -> growth ${mb(rssPeak - rssBefore)} MB (target < 64 MB)`,
    );
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}

const serveAt = process.argv.indexOf('--serve');
if (serveAt >= 0) {
  void serveForBench(process.argv[serveAt + 1]);
} else {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
