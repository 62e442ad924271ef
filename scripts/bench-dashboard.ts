// `npm run bench:dashboard`: with 200 instances defined, the time until the dashboard is
// interactive in Chromium, and how many requests the open dashboard makes per minute while
// idle. The same measurements with 0 instances run first as a baseline (on a shared machine
// absolute figures mostly measure the load). Prints figures; asserts nothing. All traffic goes
// to 127.0.0.1; the instance count, runs and idle window are bounded.
//
// Environment: BENCH_INSTANCES (200), BENCH_RUNS (5), BENCH_IDLE_SECONDS (60),
// BENCH_BUILD=0 to skip `npm run build`, CHROMIUM_PATH (/usr/bin/chromium).
import { chromium, type Browser } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const INSTANCES = Math.min(Number(process.env.BENCH_INSTANCES ?? 200), 1000);
const RUNS = Math.min(Number(process.env.BENCH_RUNS ?? 5), 20);
const IDLE_SECONDS = Math.min(Number(process.env.BENCH_IDLE_SECONDS ?? 60), 300);
const KEY = 'llamactl-mgmt-bench-dashboard-000000000000000000000000000000000000000000';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

if (process.env.BENCH_BUILD !== '0') {
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

interface Server {
  url: string;
  child: ChildProcess;
  dir: string;
}

async function startServer(): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'llamactl-bench-dashboard-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(config, '{}\n');
  const child = spawn(process.execPath, [join(ROOT, 'dist/main/cli.js')], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      LLAMACTL_CONFIG_PATH: config,
      LLAMACTL_HOST: '127.0.0.1',
      LLAMACTL_PORT: '0',
      LLAMACTL_DATA_DIRECTORY: join(dir, 'data'),
      LLAMACTL_MANAGEMENT_KEYS: KEY,
      LLAMACTL_LLAMACPP_COMMAND: join(ROOT, 'e2e/fixtures/fake-backend.mjs'),
      LLAMACTL_INSTANCE_PORT_RANGE: '42000-43999',
      LLAMACTL_MAX_INSTANCES: '-1',
      LLAMACTL_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) res(m[1].replace(/\/$/, ''));
    });
    child.once('exit', (c) => rej(new Error(`server exited with ${c}: ${out}`)));
  });
  return { url, child, dir };
}

async function stopServer(s: Server): Promise<void> {
  s.child.kill('SIGTERM');
  await new Promise((r) => (s.child.exitCode !== null ? r(null) : s.child.once('exit', r)));
  rmSync(s.dir, { recursive: true, force: true });
}

async function defineInstances(url: string, n: number): Promise<void> {
  // a few at a time: bounded load on the server under test
  for (let i = 0; i < n; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, n - i) }, (_, j) =>
        fetch(`${url}/api/v1/instances/bench-${String(i + j).padStart(3, '0')}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({
            backend_type: 'llama_cpp',
            backend_options: { model: `/models/bench-${i + j}-Q4_K_M.gguf`, ctx_size: 4096 },
            group: `group-${(i + j) % 5}`,
          }),
        }).then(async (r) => {
          if (r.status !== 201) throw new Error(`create failed: ${r.status} ${await r.text()}`);
        }),
      ),
    );
  }
}

interface Load {
  /** navigation start -> the first screen of rows and the search box rendered (usable) */
  interactiveMs: number;
  /** navigation start -> every row in the DOM (rows past the first screen render as a transition) */
  allRowsMs: number;
  /** main-thread busy time (Chromium's TaskDuration) until interactive: less sensitive to a loaded machine */
  busyMs: number;
  /** typing one character into search -> the filtered table rendered */
  filterMs: number;
  requests: number;
}

async function loadOnce(browser: Browser, url: string, n: number): Promise<Load> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript((key) => localStorage.setItem('llamactl.managementKey', key), KEY);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  let requests = 0;
  page.on('request', () => requests++);
  await page.goto(url + '/');
  // polled every animation frame: the figure is accurate to one frame
  const usable =
    n === 0
      ? 'document.querySelector(".empty-state button") !== null'
      : `document.querySelector('tr[data-instance] button') !== null && document.querySelector('[aria-label="Search instances"]') !== null`;
  await page.waitForFunction(usable, null, { polling: 'raf', timeout: 30_000 });
  const interactiveMs = await page.evaluate(() => performance.now());
  const metrics = (await cdp.send('Performance.getMetrics')).metrics;
  const busyMs = (metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000;
  if (n > 0)
    await page.waitForFunction(
      `document.querySelectorAll("tr[data-instance]").length === ${n}`,
      null,
      { polling: 'raf', timeout: 30_000 },
    );
  const allRowsMs = n > 0 ? await page.evaluate(() => performance.now()) : interactiveMs;
  let filterMs = 0;
  if (n > 0) {
    const search = page.getByLabel('Search instances');
    await search.focus();
    const t0 = await page.evaluate(() => performance.now());
    await page.keyboard.type('7');
    await page.waitForFunction(
      `document.querySelectorAll("tr[data-instance]").length < ${n}`,
      null,
      { polling: 'raf' },
    );
    filterMs = (await page.evaluate(() => performance.now())) - t0;
  }
  await context.close();
  return { interactiveMs, allRowsMs, busyMs, filterMs, requests };
}

async function idleRequests(
  browser: Browser,
  url: string,
  n: number,
): Promise<{ perMinute: number; list: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript((key) => localStorage.setItem('llamactl.managementKey', key), KEY);
  const page = await context.newPage();
  await page.goto(url + '/');
  await page.waitForFunction(
    n === 0
      ? 'document.querySelector(".empty-state") !== null'
      : `document.querySelectorAll("tr[data-instance]").length === ${n}`,
  );
  // settle: initial queries done, event stream open
  await page.waitForTimeout(2000);
  const seen: string[] = [];
  page.on('request', (r) => seen.push(`${r.method()} ${new URL(r.url()).pathname}`));
  await page.waitForTimeout(IDLE_SECONDS * 1000);
  await context.close();
  return { perMinute: (seen.length * 60) / IDLE_SECONDS, list: seen };
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const med = s[Math.floor(s.length / 2)];
  return `median ${med.toFixed(0)} ms (min ${s[0].toFixed(0)}, max ${s[s.length - 1].toFixed(0)}, n=${s.length})`;
}

async function main(): Promise<void> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  const server = await startServer();
  try {
    console.log(
      `dashboard benchmark: ${RUNS} loads per size, idle window ${IDLE_SECONDS} s, Chromium headless, 1280x800`,
    );
    for (const n of [0, INSTANCES]) {
      if (n > 0) {
        const t = performance.now();
        await defineInstances(server.url, n);
        console.log(`  defined ${n} instances in ${(performance.now() - t).toFixed(0)} ms`);
      }
      // one warm-up load (Chromium's own first-run costs), then measured loads
      await loadOnce(browser, server.url, n);
      const loads: Load[] = [];
      for (let i = 0; i < RUNS; i++) loads.push(await loadOnce(browser, server.url, n));
      console.log(`instances=${n}`);
      console.log(
        `  time to interactive (first screen usable): ${stats(loads.map((l) => l.interactiveMs))}`,
      );
      console.log(
        `  main-thread busy time until interactive: ${stats(loads.map((l) => l.busyMs))}`,
      );
      if (n > 0)
        console.log(
          `  time until all ${n} rows are rendered: ${stats(loads.map((l) => l.allRowsMs))}`,
        );
      if (n > 0)
        console.log(`  search keystroke -> filtered table: ${stats(loads.map((l) => l.filterMs))}`);
      console.log(`  requests during load: ${loads[0].requests}`);
      const idle = await idleRequests(browser, server.url, n);
      console.log(
        `  idle requests per minute: ${idle.perMinute.toFixed(1)}${idle.list.length ? ` (${[...new Set(idle.list)].join(', ')})` : ''}`,
      );
    }
    console.log(
      `reference: llamactl's UI polls each running instance's health (GET instance + proxy health) every 5-60 s per card; ` +
        `with ${INSTANCES} ready instances that is at least ${INSTANCES * 2} requests per minute.`,
    );
  } finally {
    await browser.close();
    await stopServer(server);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
