/**
 * Lifecycle benchmark (`npm run bench:lifecycle`). Prints figures; asserts nothing.
 *
 * 1. Readiness delay: time from the moment the fake backend's /health starts answering 200 to
 *    the moment the manager reports `health: "ready"`, with our polling and with a 1-second poll
 *    (llamactl's interval) as the baseline, in the same run.
 * 2. Start-to-ready of the fake backend with no start delay (API start call -> ready event).
 * 3. Server RSS with 100 instances defined and 10 running (the real CLI, bundled with esbuild,
 *    in its own process, driven over HTTP).
 * All traffic goes to 127.0.0.1, bounded in count and time.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../main/config/load-config';
import type { ManagerTuning } from '../main/instances/manager';
import { silentLogger } from '../main/logger';
import { bundleForBench } from './bench-serve';
import { closeServices, createServices, type Services } from '../main/services';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FAKE = join(ROOT, 'e2e/fixtures/fake-backend.mjs');
const KEY = 'llamactl-mgmt-bench-000000000000000000000000000000000000000000000000000000';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (xs: number[]) =>
  `median ${median(xs).toFixed(1)} ms, min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)} (n=${xs.length})`;

async function withServices<T>(
  portBase: number,
  tuning: Partial<ManagerTuning>,
  fn: (s: Services) => Promise<T>,
): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'llamactl-bench-'));
  const config = loadConfig({
    env: {},
    files: false,
    overrides: {
      data_dir: dataDir,
      server: { host: '127.0.0.1', port: 0 },
      auth: { management_keys: [KEY] },
      instances: { port_range: [portBase, portBase + 199] },
    },
  });
  const services = await createServices(config, { log: silentLogger, instanceTuning: tuning });
  try {
    return await fn(services);
  } finally {
    await closeServices(services);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function waitHealth(
  s: Services,
  name: string,
  health: string,
  timeoutMs = 20_000,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      off();
      reject(new Error(`${name} did not become ${health}`));
    }, timeoutMs);
    const off = s.events.subscribe((e) => {
      if (e.type === 'instance' && e.name === name && e.instance?.health === health) {
        clearTimeout(t);
        off();
        resolve(Date.now());
      }
    });
  });
}

/** Delay between the backend becoming healthy and the manager reporting it. */
async function readinessDelays(s: Services, runs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const name = `ready-${i}`;
    // A load time spread over one second puts the moment of readiness at a random phase of
    // either poll period, so the two figures compare fairly.
    const loadMs = 300 + Math.round(((i * 0.618034) % 1) * 1000);
    await s.instances.create(name, {
      backend_type: 'llama_cpp',
      command_override: FAKE,
      environment: { FAKE_HEALTH_503_MS: String(loadMs) },
    });
    const ready = waitHealth(s, name, 'ready');
    await s.instances.start(name);
    const reportedAt = await ready;
    const { host, port } = s.instances.target(name);
    const state = (await (await fetch(`http://${host}:${port}/fake/state`)).json()) as {
      ready_at: number;
    };
    out.push(reportedAt - state.ready_at);
    await s.instances.stop(name);
    await s.instances.delete(name);
  }
  return out;
}

async function startToReady(
  s: Services,
  runs: number,
): Promise<{ total: number[]; listen: number[] }> {
  const total: number[] = [];
  const listen: number[] = [];
  for (let i = 0; i < runs; i++) {
    const name = `cold-${i}`;
    await s.instances.create(name, { backend_type: 'llama_cpp', command_override: FAKE });
    const ready = waitHealth(s, name, 'ready');
    const t0 = Date.now();
    await s.instances.start(name);
    const at = await ready;
    total.push(at - t0);
    const { host, port } = s.instances.target(name);
    const state = (await (await fetch(`http://${host}:${port}/fake/state`)).json()) as {
      listening_at: number;
    };
    listen.push(state.listening_at - t0);
    await s.instances.stop(name);
    await s.instances.delete(name);
  }
  return { total, listen };
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

async function serverRss(
  portBase: number,
): Promise<{ idleMb: number; loadedMb: number; backendsMb: number }> {
  const outDir = join(ROOT, 'test-output', 'bench-lifecycle');
  await bundleForBench(join(ROOT, 'main/cli.ts'), join(outDir, 'cli.mjs'));
  const dataDir = mkdtempSync(join(tmpdir(), 'llamactl-bench-rss-'));
  const configPath = join(dataDir, 'config.yaml');
  writeFileSync(
    configPath,
    `server:\n  host: 127.0.0.1\n  port: 0\ndata_dir: ${JSON.stringify(dataDir)}\nauth:\n  management_keys: [${JSON.stringify(KEY)}]\n` +
      `instances:\n  port_range: [${portBase}, ${portBase + 199}]\n`,
  );
  const child = spawn(process.execPath, [join(outDir, 'cli.mjs')], {
    env: {
      ...process.env,
      HOME: dataDir,
      LLAMACTL_CONFIG_PATH: configPath,
      LLAMACTL_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const t = setTimeout(() => reject(new Error('server did not start')), 30_000);
      child.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(m[1]);
        }
      });
    });
    const api = (path: string, method = 'GET', body?: unknown) =>
      fetch(url + path, {
        method,
        headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    await new Promise((r) => setTimeout(r, 500));
    const idleMb = rssKb(child.pid!) / 1024;
    for (let i = 0; i < 100; i++) {
      const res = await api(`/api/v1/instances/m${i}`, 'POST', {
        backend_type: 'llama_cpp',
        command_override: FAKE,
      });
      if (res.status !== 201) throw new Error(`create m${i}: ${res.status} ${await res.text()}`);
    }
    const pids: number[] = [];
    for (let i = 0; i < 10; i++)
      pids.push(
        ((await (await api(`/api/v1/instances/m${i}/start`, 'POST')).json()) as { pid: number })
          .pid,
      );
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const list = (await (await api('/api/v1/instances')).json()) as { health: string }[];
      if (list.filter((x) => x.health === 'ready').length === 10) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // let the relaxed polling settle before sampling
    await new Promise((r) => setTimeout(r, 2000));
    const loadedMb = rssKb(child.pid!) / 1024;
    const backendsMb = pids.reduce((sum, p) => sum + rssKb(p), 0) / 1024;
    return { idleMb, loadedMb, backendsMb };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const base = 30_000 + (process.pid % 50) * 200;
  const runs = Number(process.env.BENCH_RUNS ?? 15);
  console.log(`bench:lifecycle (fake backend, ${runs} runs per figure, Node ${process.version})`);

  const ours = await withServices(base, {}, (s) => readinessDelays(s, runs));
  console.log(`readiness delay, 25 ms polling:         ${fmt(ours)}`);
  const baseline = await withServices(
    base,
    {
      health: {
        startingIntervalMs: 1000,
        readyIntervalMs: 1000,
        requestTimeoutMs: 5000,
        unhealthyAfter: 1,
      },
    },
    (s) => readinessDelays(s, Math.min(runs, 10)),
  );
  console.log(`readiness delay, 1 s polling baseline:  ${fmt(baseline)}`);
  console.log(
    `  -> ${(median(baseline) / Math.max(median(ours), 0.1)).toFixed(1)}x faster; target: median under 100 ms`,
  );

  const cold = await withServices(base, {}, (s) => startToReady(s, runs));
  console.log(`start-to-ready, no start delay:         ${fmt(cold.total)}`);
  console.log(`  of which the fake backend's own Node start until listening: ${fmt(cold.listen)}`);

  const rss = await serverRss(base);
  console.log(`server RSS, idle:                       ${rss.idleMb.toFixed(1)} MB`);
  console.log(
    `server RSS, 100 defined / 10 running:   ${rss.loadedMb.toFixed(1)} MB (+${(rss.loadedMb - rss.idleMb).toFixed(1)} MB)`,
  );
  console.log(
    `  (the 10 fake backends themselves:     ${rss.backendsMb.toFixed(1)} MB, not included)`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
