import { ConfigError, loadConfig } from './config/load-config';
import { createLogger } from './logger';
import { listen } from './server/http-server';
import { closeServices, createServices } from './services';
import { VERSION } from './version';

/**
 * Headless entry: config -> services -> HTTP server; SIGINT/SIGTERM -> graceful stop.
 * Used by `npm run serve`, the `llamactl` bin, remote nodes and the tests.
 */
async function main(): Promise<void> {
  if (process.argv.includes('--version')) {
    process.stdout.write(
      `llamactl version: ${VERSION.version}\nCommit hash: ${VERSION.commit}\nBuild time: ${VERSION.buildTime}\n`,
    );
    return;
  }
  const log = createLogger();
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`llamactl: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const services = await createServices(config, { log });
  const running = await listen(services, config.server.host, config.server.port);
  process.stdout.write(`Llamactl server listening on ${running.url}\n`);
  process.stdout.write(`Dashboard: ${running.url}/\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`received ${signal}, shutting down`);
    await running.close();
    await closeServices(services);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`llamactl: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
