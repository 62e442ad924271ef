// Server mode of the benchmarks that need our server as its own process, as in production
// (`bench-proxy.ts --serve <config.json>`, `bench-download.ts --serve <config.json>`): loads the
// config from the JSON file only (no config file, .env or LLAMACTL_* variable of the machine),
// listens on a free loopback port, prints `BENCH_SERVER <url> <pid>` and stops everything on
// SIGTERM/SIGINT. The server's modules are imported here, not by the benchmark's own process.
// On request it profiles itself (see `profileOnRequest`).
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createInterface } from 'node:readline';

/**
 * Bundles a benchmark's entry (or the server's) with esbuild as production runs it: one ESM
 * file for Node 20, packages left external (so put the output under node_modules/.cache or the
 * project, where they resolve), `require` available to bundled CommonJS.
 */
export async function bundleForBench(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
}

interface AbTarget {
  server: import('node:http').Server;
  setRecording(on: boolean): void;
}

/** One phase of an A/B run: recording on or off, this process's CPU time and the requests. */
interface AbPhase {
  on: boolean;
  cpuUs: number;
  requests: number;
}

/**
 * Switches request recording on and off every `periodMs` for `totalMs`, counting this process's
 * CPU time (all threads, process.cpuUsage) and the requests that arrive in each phase: the two
 * conditions measured in the same process, interleaved finely enough that both see the same
 * machine. A request that spans a switch is counted in the phase it arrived in and its CPU
 * split between the two, which dilutes the difference a little (c=64 in flight against
 * thousands of requests per phase).
 */
async function alternate(ab: AbTarget, periodMs: number, totalMs: number): Promise<AbPhase[]> {
  let requests = 0;
  const count = () => void requests++;
  ab.server.on('request', count);
  const phases: AbPhase[] = [];
  let on = true;
  ab.setRecording(on);
  let cpu = process.cpuUsage();
  let seen = 0;
  for (let t = 0; t < totalMs; t += periodMs) {
    await new Promise((r) => setTimeout(r, periodMs));
    const now = process.cpuUsage();
    phases.push({
      on,
      cpuUs: now.user - cpu.user + (now.system - cpu.system),
      requests: requests - seen,
    });
    cpu = now;
    seen = requests;
    on = !on;
    ab.setRecording(on);
  }
  ab.server.off('request', count);
  ab.setRecording(true);
  return phases;
}

/**
 * Lines on stdin, answered on stdout, so that the benchmark can profile a phase of its own
 * choosing (a V8 CPU profile of the main thread, as `--cpu-prof` writes for the whole run):
 * `profile-start <sampling interval, us>` answers `PROFILE started`; `profile-stop <file>` writes
 * the profile there and answers `PROFILE saved`; `ab <period ms> <total ms>` switches request
 * recording on and off (see `alternate`) and answers `PROFILE ab <phases as JSON>`.
 */
function profileOnRequest(ab: AbTarget): void {
  let session: Session | null = null;
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const [cmd, arg] = line.trim().split(/\s+/);
    void (async () => {
      if (cmd === 'profile-start' && !session) {
        session = new Session();
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: Number(arg) || 1000 });
        await session.post('Profiler.start');
        process.stdout.write('PROFILE started\n');
      } else if (cmd === 'ab') {
        const [, period, total] = line.trim().split(/\s+/).map(Number);
        const phases = await alternate(ab, period || 500, total || 20_000);
        process.stdout.write(`PROFILE ab ${JSON.stringify(phases)}\n`);
      } else if (cmd === 'profile-stop' && session && arg) {
        const { profile } = await session.post('Profiler.stop');
        session.disconnect();
        session = null;
        writeFileSync(arg, JSON.stringify(profile));
        process.stdout.write('PROFILE saved\n');
      }
    })().catch((err: unknown) => process.stdout.write(`PROFILE failed ${String(err)}\n`));
  });
  // the benchmark ending its side of the pipe is no reason to keep the process alive
  lines.on('close', () => process.stdin.unref?.());
}

export async function serveForBench(configPath: string): Promise<void> {
  const { loadConfig } = await import('../main/config/load-config');
  const { createLogger } = await import('../main/logger');
  const { listen } = await import('../main/server/http-server');
  const { closeServices, createServices } = await import('../main/services');
  const config = loadConfig({
    env: {},
    files: false,
    overrides: JSON.parse(readFileSync(configPath, 'utf8')),
  });
  const services = await createServices(config, { log: createLogger('warn') });
  const running = await listen(services, '127.0.0.1', 0);
  process.stdout.write(`BENCH_SERVER ${running.url} ${process.pid}\n`);
  if (!process.stdin.isTTY)
    profileOnRequest({
      server: running.server,
      setRecording: (on) => services.observability.setRecording(on),
    });
  const stop = async () => {
    await running.close();
    await closeServices(services);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}
