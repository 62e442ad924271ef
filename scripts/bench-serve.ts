// Server mode of the benchmarks that need our server as its own process, as in production
// (`bench-proxy.ts --serve <config.json>`, `bench-download.ts --serve <config.json>`): loads the
// config from the JSON file only (no config file, .env or LLAMACTL_* variable of the machine),
// listens on a free loopback port, prints `BENCH_SERVER <url> <pid>` and stops everything on
// SIGTERM/SIGINT. The server's modules are imported here, not by the benchmark's own process.
import { readFileSync } from 'node:fs';

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
  const stop = async () => {
    await running.close();
    await closeServices(services);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}
