import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, dialog } from 'electron';
import Conf from 'conf';
import { loadConfig } from '../config/load-config';
import { createLogger } from '../logger';
import { packageRoot, rendererDir } from '../paths';
import { listen } from '../server/http-server';
import { closeServices, createServices } from '../services';
import { startDesktopApp } from './app';

// The desktop entry (package.json "main" -> dist/electron/index.js). All the wiring lives in
// app.ts; this file only supplies the real server, config and preference store.
const here = dirname(fileURLToPath(import.meta.url));

// A separate profile (preferences, single-instance lock, Chromium data): used by the Electron
// smoke test and handy for running a second, independent copy of the app.
if (process.env.LLAMACTL_DESKTOP_USER_DATA)
  app.setPath('userData', process.env.LLAMACTL_DESKTOP_USER_DATA);

startDesktopApp({
  loadConfig: () => loadConfig(),
  createServices: (config) => createServices(config, { log: createLogger() }),
  closeServices,
  listen: (services, host, port) => listen(services, host, port),
  // conf directly rather than electron-store, which also registers an IPC listener of its own
  // ('electron-store-get-data') that the dashboard has no use for.
  preferenceStore: () =>
    new Conf({
      cwd: app.getPath('userData'),
      configName: 'preferences',
      projectVersion: app.getVersion(),
      clearInvalidConfig: true,
    }),
  preloadPath: join(here, '..', 'preload', 'index.js'),
  assetsDir: join(packageRoot(), 'assets'),
  dashboardHtml: () => {
    const file = join(rendererDir(), 'index.html');
    return existsSync(file) ? readFileSync(file, 'utf8') : null;
  },
  version: app.getVersion(),
}).catch((err: unknown) => {
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`llamactl desktop: fatal: ${text}\n`);
  dialog.showErrorBox('Llamactl failed to start', text);
  app.exit(1);
});
