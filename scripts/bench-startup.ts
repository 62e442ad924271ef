// `npm run bench:startup`: time from launching the built headless server (`node
// dist/main/cli.js`) to its first HTTP answer, and its resident memory (RSS) once idle.
// Prints figures; asserts nothing. Traffic goes to 127.0.0.1 only. A bare Node HTTP server is
// measured the same way in the same run as a baseline, since on a shared machine absolute
// figures mostly measure the load.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'main', 'cli.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 3000);
const KEY = 'llamactl-mgmt-bench';

if (!existsSync(CLI) || process.env.BENCH_BUILD !== '0') {
  const r = spawnSync('npm', ['run', '--silent', 'build:main'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** RSS of a pid in MiB: /proc on Linux, ps elsewhere. */
function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  const out = spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], {
    encoding: 'utf8',
  }).stdout.trim();
  return Number(out) / 1024;
}

interface Run {
  listeningMs: number;
  firstAnswerMs: number;
  idleRssMiB: number;
}

/** Prints its URL like our server does, answers 200 to everything. */
const BASELINE = `require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () {
  console.log('listening on http://127.0.0.1:' + this.address().port);
});`;

async function once(baseline: boolean): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'llamactl-bench-startup-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, baseline ? ['-e', BASELINE] : [CLI], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      LLAMACTL_PORT: '0',
      LLAMACTL_DATA_DIRECTORY: join(dir, 'data'),
      LLAMACTL_MANAGEMENT_KEYS: KEY,
      LLAMACTL_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let out = '';
    const url = await new Promise<string>((res, rej) => {
      const timer = setTimeout(() => rej(new Error('server did not start within 60 s')), 60_000);
      child.stdout!.on('data', (c) => {
        out += c;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          res(m[1]);
        }
      });
      child.on('exit', (code) => rej(new Error(`server exited with ${code}`)));
    });
    const listeningMs = performance.now() - t0;
    // The port is only known once the server prints it, so the first answer is the first
    // request after that line; it is sent at once.
    const res = await fetch(`${url}/api/v1/version`, {
      headers: { Authorization: `Bearer ${KEY}` },
    });
    await res.text();
    if (res.status !== 200) throw new Error(`first answer was ${res.status}`);
    const firstAnswerMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, IDLE_MS));
    return { listeningMs, firstAnswerMs, idleRssMiB: rssMiB(child.pid!) };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

const runs: Run[] = [];
const base: Run[] = [];
// Interleaved, so both see the same background load.
for (let i = 0; i < RUNS; i++) {
  base.push(await once(true));
  runs.push(await once(false));
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};
const fmt = (o: { min: number; median: number; max: number }, unit: string) =>
  `median ${o.median.toFixed(1)} ${unit} (min ${o.min.toFixed(1)}, max ${o.max.toFixed(1)})`;

console.log(
  `startup benchmark: ${RUNS} runs of node dist/main/cli.js (Node ${process.version}, idle ${IDLE_MS} ms)`,
);
console.log(`  launch -> "listening" line:  ${fmt(stats(runs.map((r) => r.listeningMs)), 'ms')}`);
console.log(`  launch -> first HTTP answer: ${fmt(stats(runs.map((r) => r.firstAnswerMs)), 'ms')}`);
console.log(`  idle RSS:                    ${fmt(stats(runs.map((r) => r.idleRssMiB)), 'MiB')}`);
console.log('baseline: bare node:http server, same runs');
console.log(`  launch -> first HTTP answer: ${fmt(stats(base.map((r) => r.firstAnswerMs)), 'ms')}`);
console.log(`  idle RSS:                    ${fmt(stats(base.map((r) => r.idleRssMiB)), 'MiB')}`);
