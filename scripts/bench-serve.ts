// Server mode of the benchmarks that need our server as its own process, as in production
// (`bench-proxy.ts --serve <config.json>`, `bench-download.ts --serve <config.json>`): loads the
// config from the JSON file only (no config file, .env or LLAMACTL_* variable of the machine),
// listens on a free loopback port, prints `BENCH_SERVER <url> <pid>` and stops everything on
// SIGTERM/SIGINT. The server's modules are imported here, not by the benchmark's own process.
// On request it profiles itself (see `profileOnRequest`).
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createInterface } from 'node:readline';

/**
 * Lines on stdin, answered on stdout, so that the benchmark can profile a phase of its own
 * choosing (a V8 CPU profile of the main thread, as `--cpu-prof` writes for the whole run):
 * `profile-start <sampling interval, us>` answers `PROFILE started`; `profile-stop <file>` writes
 * the profile there and answers `PROFILE saved`.
 */
function profileOnRequest(): void {
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
  if (!process.stdin.isTTY) profileOnRequest();
  const stop = async () => {
    await running.close();
    await closeServices(services);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}
