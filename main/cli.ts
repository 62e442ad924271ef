import type { AuthService } from './auth/auth-service';
import { ConfigError, loadConfigDetailed } from './config/load-config';
import { createLogger } from './logger';
import { listen } from './server/http-server';
import { closeServices, createServices } from './services';
import { VERSION } from './version';

/** The start-up lines about the management key: the key itself only when it was just made. */
function managementKeyBanner(auth: AuthService): string[] {
  const info = auth.managementKeyInfo();
  if (info.source === 'none')
    return ['Management API: authentication is OFF (auth.require_management_auth: false)'];
  if (info.source === 'config')
    return [
      'Management API key: from the configuration (auth.management_keys / LLAMACTL_MANAGEMENT_KEYS)',
    ];
  if (info.createdNow) {
    return [
      'Generated a management API key (first start):',
      `    ${auth.managementKey()}`,
      `It is kept in ${info.file} (mode 0600) and stays valid across restarts;`,
      'set auth.management_keys or LLAMACTL_MANAGEMENT_KEYS to use your own instead.',
    ];
  }
  return [`Management API key: kept in ${info.file}`];
}

/**
 * Headless entry: config -> services -> HTTP server; SIGINT/SIGTERM -> graceful stop, exit 0.
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
  let loaded;
  try {
    loaded = loadConfigDetailed();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`llamactl: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const { config } = loaded;
  if (loaded.configFile) log.info('configuration file', { path: loaded.configFile });
  if (loaded.dotenvFile) log.info('environment file', { path: loaded.dotenvFile });

  const services = await createServices(config, { log });
  let running;
  try {
    running = await listen(services, config.server.host, config.server.port);
  } catch (err) {
    await closeServices(services);
    throw err;
  }
  const out = [
    `Llamactl server listening on ${running.url}`,
    `Dashboard: ${running.url}/`,
    ...managementKeyBanner(services.auth),
  ];
  process.stdout.write(out.join('\n') + '\n');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`received ${signal}, shutting down`);
    // A hung stop must not keep the process alive forever; closeServices stops every service
    // (instances first) within its own deadlines, this is only the last resort.
    const watchdog = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, 90_000);
    watchdog.unref();
    try {
      await running.close();
      await closeServices(services);
    } catch (err) {
      log.error('error during shutdown', { error: String(err) });
      process.exit(1);
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(
    `llamactl: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
