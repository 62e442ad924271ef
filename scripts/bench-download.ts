// `npm run bench:download`: one large GGUF (default 1 GiB) from the fake hub (e2e/fixtures/fake-hub.ts,
// generated on the fly from a repeated random block, never stored) on 127.0.0.1, fetched in the
// same run in two settings:
//   1. unthrottled loopback: curl (the reference transfer), curl followed by sha256sum (the same
//      work our server does: transfer + verification), and our server;
//   2. throttled per connection (BENCH_THROTTLE_MBPS, default 40 MB/s per response, the way a CDN
//      caps each connection): curl (one connection), `aria2c -x8 -s8` (several connections; with
//      and without its own --checksum verification), and our server.
// "Our server" runs as its own process and downloads through POST /api/v1/models/download
// (segments, SHA-256 verification, rename into blobs/, snapshot link); its time runs from the
// request to the job's end on the event stream (GET /api/v1/events). Also measured: this CPU's
// SHA-256 speed on data in memory (the ceiling of any verified download: a SHA-256 is sequential),
// the server's CPU time and its resident memory growth (VmRSS sampled every 50 ms), and the load
// average. Prints the figures against the targets; never fails on them (figures on a
// shared 2-core machine are noisy). Loopback only; one file per tool and setting.
//
// Knobs: BENCH_DOWNLOAD_BYTES (default 1073741824), BENCH_THROTTLE_MBPS (default 40),
// BENCH_NODE_ARGS (node flags for our server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { Agent, fetch as undiciFetch } from 'undici';
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

/** CPU seconds (user + system, all threads) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
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
type JobSeen = JobEnd & {
  id: string;
  progress?: { bytes_downloaded: number; total_bytes: number; files_done: number };
};

/**
 * The server's event stream, read from before the download is requested: `end(id)` resolves
 * with the job's final state as soon as the server announces it (no polling delay).
 */
class JobWatcher {
  private readonly ended = new Map<string, JobEnd>();
  /** when each job's bytes were all in (the server publishes that moment at once) */
  private readonly lastByte = new Map<string, number>();
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
        const ev = JSON.parse(data.slice(6)) as { type: string; job?: JobSeen };
        const p = ev.job?.progress;
        if (
          ev.job &&
          p &&
          p.total_bytes > 0 &&
          p.bytes_downloaded === p.total_bytes &&
          !this.lastByte.has(ev.job.id)
        )
          this.lastByte.set(ev.job.id, performance.now());
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

  /** performance.now() when the job's last byte was announced, if it was */
  lastByteAt(id: string): number | undefined {
    return this.lastByte.get(id);
  }

  end(id: string): Promise<JobEnd> {
    const known = this.ended.get(id);
    return known ? Promise.resolve(known) : new Promise((resolve) => this.waiters.set(id, resolve));
  }

  close(): void {
    this.ac.abort();
  }
}

const mb = (b: number) => (b / 1e6).toFixed(1);
const rate = (bytes: number, s: number) => `${(bytes / s / 1e6).toFixed(0)} MB/s`;

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

// ---- main ----------------------------------------------------------------------------------

function ensureTool(bin: string, pkg: string): void {
  if (spawnSync(bin, ['--version']).status === 0) return;
  console.log(`${bin} not found; installing ${pkg} with apt-get`);
  spawnSync('apt-get', ['update'], { stdio: 'inherit' });
  const r = spawnSync('apt-get', ['install', '-y', pkg], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`could not install ${pkg}`);
}

function timed(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

function sha256sum(path: string): { secs: number; hex: string } {
  const t0 = performance.now();
  const r = spawnSync('sha256sum', [path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sha256sum failed: ${r.stderr}`);
  return { secs: (performance.now() - t0) / 1000, hex: r.stdout.split(' ')[0] };
}

function aria2c(url: string, dir: string, name: string, sha256?: string): number {
  return timed('aria2c', [
    '-x8',
    '-s8',
    // aria2's default (prealloc) writes the whole file with zeros first; falloc is its fast path
    '--file-allocation=falloc',
    '--allow-overwrite=true',
    '--auto-file-renaming=false',
    '--console-log-level=error',
    '--summary-interval=0',
    '--download-result=hide',
    ...(sha256 ? [`--checksum=sha-256=${sha256}`] : []),
    '-d',
    dir,
    '-o',
    name,
    url,
  ]);
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

interface OurRun {
  secs: number;
  /** request to the last byte written (before the hash is done), when announced */
  transferSecs: number;
  cpu: number;
  rssBefore: number;
  rssPeak: number;
}

async function main(): Promise<void> {
  ensureTool('curl', 'curl');
  ensureTool('aria2c', 'aria2');
  const throttle = Number(process.env.BENCH_THROTTLE_MBPS ?? 40) * 1e6;
  const work = mkdtempSync(join(tmpdir(), 'llamactl-bench-download-'));
  try {
    console.log(
      `bench:download: ${mb(SIZE)} MB GGUF from the fake hub on 127.0.0.1 (load average ${loadAverage()})`,
    );
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
    const setThrottle = async (bps: number) => {
      const r = await fetch(`${hubUrl}/__control/throttle?bytes_per_second=${bps}`);
      if (r.status !== 200) throw new Error(`fake hub throttle answered ${r.status}`);
    };

    // our server, warmed up once (one small download loads the code paths and the hash worker)
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
    const pid = Number(srv.match[2]);
    // A fresh connection per API call: between downloads the last one sat idle for seconds, and
    // on a loaded machine the server's keep-alive close can cross the next request on it
    // ("other side closed" before any byte of the answer).
    const apiAgent = new Agent({ pipelining: 0 });
    const api = (path: string, init: { method?: string; body?: string } = {}) =>
      undiciFetch(base + path, {
        ...init,
        headers: { Authorization: `Bearer ${MGMT_KEY}`, 'Content-Type': 'application/json' },
        dispatcher: apiAgent,
      });
    const watcher = new JobWatcher();
    await watcher.open(base, MGMT_KEY);
    const download = async (tag: string): Promise<JobEnd & { id: string }> => {
      const res = await api('/api/v1/models/download', {
        method: 'POST',
        body: JSON.stringify({ repo: `${REPO}:${tag}` }),
      });
      if (res.status !== 202)
        throw new Error(`download request answered ${res.status}: ${await res.text()}`);
      const { job_id } = (await res.json()) as { job_id: string };
      return { ...(await watcher.end(job_id)), id: job_id };
    };
    const warm = await download('Q8_0');
    if (warm.status !== 'completed') throw new Error(`warm-up download ${warm.status}`);
    await sleep(300);

    const ours = async (): Promise<OurRun> => {
      rmSync(cache, { recursive: true, force: true });
      const rssBefore = rssBytes(pid);
      let rssPeak = rssBefore;
      const cpuBefore = cpuSeconds(pid);
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
      const t0 = performance.now();
      const job = await download('Q4_K_M');
      const secs = (performance.now() - t0) / 1000;
      over = true;
      clearTimeout(timeout);
      await sampler;
      if (job.status !== 'completed')
        throw new Error(`our download ended ${job.status}: ${job.error}`);
      const blob = join(cache, 'models--bench--big-GGUF', 'blobs', sha256);
      if (statSync(blob).size !== SIZE) throw new Error('blob has the wrong size');
      const lastByte = watcher.lastByteAt(job.id);
      return {
        secs,
        transferSecs: lastByte === undefined ? NaN : (lastByte - t0) / 1000,
        cpu: cpuSeconds(pid) - cpuBefore,
        rssBefore,
        rssPeak,
      };
    };

    // 1. unthrottled: curl twice (around ours, to see the noise; the faster is the baseline)
    const out = join(work, 'out.bin');
    const curlArgs = ['-sS', '--fail', '-o', out, fileUrl];
    const curl1 = timed('curl', curlArgs);
    rmSync(out);
    const curlThen = timed('curl', curlArgs);
    const sum = sha256sum(out);
    if (sum.hex !== sha256) throw new Error('curl download does not match the listed sha256');
    rmSync(out);
    const ours1 = await ours();
    const curl2 = timed('curl', curlArgs);
    rmSync(out);
    const load1 = loadAverage();

    // 2. throttled per connection
    await setThrottle(throttle);
    const curlT = timed('curl', curlArgs);
    rmSync(out);
    const aria = aria2c(fileUrl, work, 'aria.bin');
    rmSync(join(work, 'aria.bin'));
    const ariaV = aria2c(fileUrl, work, 'aria.bin', sha256);
    rmSync(join(work, 'aria.bin'));
    const oursT = await ours();
    await setThrottle(0);
    const load2 = loadAverage();

    watcher.close();
    srv.child.kill('SIGTERM');
    const ceilingSecs = sha256InMemory(SIZE);

    const curlBest = Math.min(curl1, curl2);
    const curlVerified = curlThen + sum.secs;
    const line = (label: string, secs: number, extra = '') =>
      console.log(
        `${label.padEnd(40)} ${secs.toFixed(2).padStart(6)} s  ${rate(SIZE, secs).padStart(9)}${extra}`,
      );
    const ratio = (x: number, label: string) => `${x.toFixed(2)}x ${label}`;
    const ourExtra = (r: OurRun) =>
      `  (CPU ${r.cpu.toFixed(2)} s, RSS +${mb(r.rssPeak - r.rssBefore)} MB)`;

    console.log('');
    console.log(`1. unthrottled loopback (load average after: ${load1})`);
    line(
      'curl, transfer only (best of 2)',
      curlBest,
      `  (${curl1.toFixed(2)} s, ${curl2.toFixed(2)} s)`,
    );
    line(
      'curl then sha256sum (the same work)',
      curlVerified,
      `  (sha256sum ${sum.secs.toFixed(2)} s)`,
    );
    line('our server, verified', ours1.secs, ourExtra(ours1));
    line(
      'our server, its last byte written',
      ours1.transferSecs,
      `  (verified ${(ours1.secs - ours1.transferSecs).toFixed(2)} s later)`,
    );
    console.log(
      `  ours vs curl: ${ratio(curlBest / ours1.secs, '(target >= 0.9x where SHA-256 outruns curl)')}`,
    );
    console.log(`  ours vs curl + sha256sum: ${ratio(curlVerified / ours1.secs, '')}`);
    console.log(
      `  ours to the last byte vs curl: ${ratio(curlBest / ours1.transferSecs, '(the transfer alone; the hash runs alongside it)')}`,
    );
    console.log(
      `  ours vs the SHA-256 ceiling: ${ratio(ceilingSecs / ours1.secs, '(target >= 0.9x otherwise)')}`,
    );
    console.log('');
    console.log(
      `2. throttled to ${mb(throttle)} MB/s per connection (load average after: ${load2})`,
    );
    line('curl (one connection)', curlT);
    line('aria2c -x8 -s8', aria);
    line('aria2c -x8 -s8 --checksum=sha-256', ariaV);
    line('our server, verified', oursT.secs, ourExtra(oursT));
    line(
      'our server, its last byte written',
      oursT.transferSecs,
      `  (verified ${(oursT.secs - oursT.transferSecs).toFixed(2)} s later)`,
    );
    console.log(`  ours vs aria2c -x8 -s8: ${ratio(aria / oursT.secs, '(target >= 0.9x)')}`);
    console.log(`  ours vs aria2c with its checksum: ${ratio(ariaV / oursT.secs, '')}`);
    console.log(`  ours vs curl (one connection): ${ratio(curlT / oursT.secs, '')}`);
    console.log('');
    line(
      `SHA-256 in memory (SHA instructions: ${cpuShaExtensions()})`,
      ceilingSecs,
      `  = ${(curlBest / ceilingSecs).toFixed(2)}x curl`,
    );
    const growth = Math.max(ours1.rssPeak - ours1.rssBefore, oursT.rssPeak - oursT.rssBefore);
    console.log(`server RSS growth, largest of the two     ${mb(growth)} MB (target < 64 MB)`);
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
