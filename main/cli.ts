import type { AuthService } from './auth/auth-service';
import { ConfigError, loadConfigDetailed } from './config/load-config';
import { createLogger } from './logger';
import { bind, type BoundServer } from './server/http-server';
import { closeServices, createServices, type Services } from './services';
import { startupErrorMessage, type StartupStage } from './startup-errors';
import { acquireDataDirLock, type DataDirLock } from './store/data-dir-lock';
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
  for (const warning of loaded.warnings) log.warn(warning);

  // A failure a user can fix is one line on stderr and exit 2; its stack goes to the debug log.
  const fail = (err: unknown, stage: StartupStage): never => {
    const line = startupErrorMessage(err, stage, config);
    if (line === null) throw err;
    log.debug('start-up failed', { stage, error: err instanceof Error ? err.stack : String(err) });
    process.stderr.write(`llamactl: ${line}\n`);
    process.exit(2);
  };

  // Order matters: the data-folder lock first (a second server on the same folder must not reap
  // the first one's backends or touch its database), then the port, then the services, which
  // reap leftovers of a killed server and restore the instances that were running.
  let lock: DataDirLock;
  try {
    lock = acquireDataDirLock(config.data_dir);
  } catch (err) {
    return fail(err, 'data_dir');
  }
  let bound: BoundServer;
  try {
    bound = await bind(config.server.host, config.server.port);
  } catch (err) {
    lock.release();
    return fail(err, 'listen');
  }
  let services: Services;
  try {
    services = await createServices(config, { log });
  } catch (err) {
    await bound.close();
    lock.release();
    return fail(err, 'database');
  }
  const running = bound.attach(services);
  lock.setUrl(running.url);
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
      lock.release();
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
