import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Conf from 'conf';
import { app } from 'electron';
import { loadConfigDetailed } from '../config/load-config';
import { packageRoot, rendererDir } from '../paths';
import { listen } from '../server/http-server';
import { closeServices, createServices } from '../services';
import { acquireDataDirLock } from '../store/data-dir-lock';
import { startDesktopApp } from './app';
import type { ShowRequests } from './bootstrap';
import {
  desktopPath,
  needsLoginShellPath,
  readLoginShellPath,
  withoutAppImageEntries,
} from './environment';
import { openDesktopLog } from './log-file';
import { safeStorageProtector } from './secret-protector';
import { probeTrayHost } from './status-notifier';

// The desktop app's code (dist/electron/desktop.js), imported by the bootstrap entry once it
// holds the single-instance lock. All the wiring lives in app.ts; this file supplies the real
// server, configuration, preference store, log and environment.
const here = dirname(fileURLToPath(import.meta.url));

export async function runDesktop(early: ShowRequests): Promise<void> {
  const logsDir = app.getPath('logs');
  const desktopLog = openDesktopLog(logsDir);
  const log = desktopLog.logger;
  log.info('llamactl desktop starting', { version: app.getVersion(), log: desktopLog.file });

  await startDesktopApp({
    // Only the per-user locations and LLAMACTL_CONFIG_PATH: the working folder of an app the
    // OS launched is / (macOS) or $HOME (Linux launchers), where a stray config.yaml or .env
    // (whose values reach every backend) must not be picked up.
    loadConfig: () => {
      const loaded = loadConfigDetailed({ cwd: null });
      if (loaded.configFile) log.info('configuration file', { path: loaded.configFile });
      if (loaded.dotenvFile) log.info('environment file', { path: loaded.dotenvFile });
      return loaded.config;
    },
    // startDesktopApp calls this after app.whenReady(): safeStorage is usable from then on.
    createServices: (config) =>
      createServices(config, { log, secretProtector: safeStorageProtector() }),
    closeServices: async (services) => {
      await closeServices(services);
      await desktopLog.close();
    },
    listen: (services, host, port) => listen(services, host, port),
    lockDataDir: (dataDir) => acquireDataDirLock(dataDir),
    // conf directly rather than electron-store, which also registers an IPC listener of its own
    // ('electron-store-get-data') that the dashboard has no use for.
    preferenceStore: () =>
      new Conf({
        cwd: app.getPath('userData'),
        configName: 'preferences',
        projectVersion: app.getVersion(),
        clearInvalidConfig: true,
      }),
    prepareEnvironment: async () => {
      // After 'ready': Chromium's own helper processes are running by now, and only backends
      // (spawned with process.env) see the change.
      const loginShell = needsLoginShellPath({
        isPackaged: app.isPackaged,
        platform: process.platform,
        stdinIsTTY: process.stdin.isTTY === true,
      })
        ? await readLoginShellPath({ shell: process.env.SHELL, env: process.env, timeoutMs: 3000 })
        : null;
      const env = withoutAppImageEntries(process.env);
      env.PATH = desktopPath({
        inherited: env.PATH,
        loginShell,
        platform: process.platform,
        home: os.homedir(),
      });
      for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
      Object.assign(process.env, env);
      log.info('backend PATH', { path: env.PATH, fromLoginShell: loginShell !== null });
    },
    trayHost: () => probeTrayHost(),
    early,
    logsDir,
    preloadPath: join(here, '..', 'preload', 'index.js'),
    assetsDir: join(packageRoot(), 'assets'),
    dashboardHtml: () => {
      const file = join(rendererDir(), 'index.html');
      return existsSync(file) ? readFileSync(file, 'utf8') : null;
    },
    version: app.getVersion(),
  });
}
