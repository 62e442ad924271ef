import { join } from 'node:path';
import os from 'node:os';
import { app, clipboard, dialog, ipcMain, powerMonitor, session, shell } from 'electron';
import type { AppConfig } from '../config/schema';
import { HIDDEN_ARG, setLinuxAutostart } from './autostart';
import type { DesktopServices } from './desktop-services';
import { registerIpcHandlers } from './ipc';
import { listenWithPortChoice, portConflictMessage } from './port-conflict';
import { PreferencesService, type PreferenceStore } from './preferences';
import { createQuitSequence, DEFAULT_QUIT_TIMING, type QuitTiming } from './quit';
import { contentSecurityPolicy, hardenSession, inlineScriptHashes } from './security';
import { TrayController } from './tray';
import { loopbackOrigin } from './trusted-url';
import { trayIconFiles } from './tray-menu';
import { MainWindow } from './window';

export interface RunningServerLike {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Everything the shell needs from the outside, so tests can run it against a fake electron. */
export interface DesktopAppDeps<S extends DesktopServices> {
  loadConfig(): AppConfig;
  createServices(config: AppConfig): Promise<S>;
  closeServices(services: S): Promise<void>;
  /** the same listen() as the headless server */
  listen(services: S, host: string, port: number): Promise<RunningServerLike>;
  preferenceStore(): PreferenceStore;
  preloadPath: string;
  assetsDir: string;
  /** the built dashboard's index.html, to allow its inline scripts by hash in the CSP */
  dashboardHtml?(): string | null;
  version: string;
  quitTiming?: QuitTiming;
  argv?: readonly string[];
  platform?: NodeJS.Platform;
  /** process signals that quit gracefully (Ctrl-C in `npm start`, a service manager's SIGTERM) */
  signals?: readonly NodeJS.Signals[];
}

export interface DesktopApp<S extends DesktopServices> {
  services: S;
  server: RunningServerLike;
  prefs: PreferencesService;
  window: MainWindow;
  tray: TrayController;
  quit(): Promise<void>;
}

/**
 * The app lifecycle: one instance per user, the server in-process on the configured port,
 * a window and a tray, and a quit that always stops the instances first. Resolves null when
 * this process is not going to run the app (second instance, port conflict refused, fatal error).
 */
export async function startDesktopApp<S extends DesktopServices>(
  deps: DesktopAppDeps<S>,
): Promise<DesktopApp<S> | null> {
  const argv = deps.argv ?? process.argv;
  const platform = deps.platform ?? process.platform;

  // The first instance owns the server port and the database; a second launch only asks the
  // first to show its window, then leaves.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }
  let window: MainWindow | null = null;
  let showWhenReady = false;
  app.on('second-instance', () => {
    if (window) window.show();
    else showWhenReady = true;
  });
  // Staying alive without windows is the point of a tray app.
  app.on('window-all-closed', () => {});

  await app.whenReady();
  const prefs = new PreferencesService(deps.preferenceStore());

  let config: AppConfig;
  try {
    config = deps.loadConfig();
  } catch (err) {
    dialog.showErrorBox(
      'Llamactl cannot start',
      `The configuration could not be loaded.\n\n${message(err)}`,
    );
    app.exit(2);
    return null;
  }
  const services = await deps.createServices(config);
  const log = services.log.child('desktop');

  let server: RunningServerLike | null;
  try {
    server = await listenWithPortChoice({
      host: config.server.host,
      port: config.server.port,
      listen: (host, port) => deps.listen(services, host, port),
      ask: async (conflict) => {
        const { response } = await dialog.showMessageBox(portConflictMessage(conflict));
        return response === 0 ? 'use-free-port' : 'quit';
      },
    });
  } catch (err) {
    dialog.showErrorBox('Llamactl cannot start the server', message(err));
    await deps.closeServices(services);
    app.exit(1);
    return null;
  }
  if (!server) {
    log.info('the configured port is taken and the user chose to quit');
    await deps.closeServices(services);
    app.exit(0);
    return null;
  }
  const running = server;
  log.info(`server listening on ${running.url}`);
  const appOrigin = loopbackOrigin(running.url);

  hardenSession(
    session.defaultSession,
    appOrigin,
    contentSecurityPolicy(inlineScriptHashes(deps.dashboardHtml?.() ?? '')),
  );
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });

  let quitting = false;
  const runQuit = createQuitSequence(
    {
      stopInstances: (ms) => services.instances.shutdown(ms),
      closeServer: () => running.close(),
      closeServices: () => deps.closeServices(services),
      exit: (code) => app.exit(code),
    },
    log,
    deps.quitTiming ?? DEFAULT_QUIT_TIMING,
  );
  const quit = () => {
    quitting = true;
    return runQuit();
  };
  // Every way out (menu, tray, Cmd-Q, app.quit()) passes here; app.exit() at the end of the
  // sequence does not emit before-quit again.
  app.on('before-quit', (event) => {
    event.preventDefault();
    void quit();
  });
  // System shutdown or logout: ask the OS for the time to stop the instances.
  powerMonitor.on('shutdown', ((event?: { preventDefault(): void }) => {
    event?.preventDefault();
    void quit();
  }) as () => void);
  for (const signal of deps.signals ?? ['SIGTERM', 'SIGINT', 'SIGHUP'])
    process.once(signal, () => void quit());

  const openExternal = (url: string) => void shell.openExternal(url);
  const mainWindow = new MainWindow({
    serverUrl: appOrigin,
    version: deps.version,
    preloadPath: deps.preloadPath,
    iconPath: join(deps.assetsDir, 'icon.png'),
    prefs,
    openExternal,
    isQuitting: () => quitting,
    onClosedForGood: () => app.quit(),
    onSessionEnd: () => void quit(),
  });
  window = mainWindow;
  app.on('activate', () => mainWindow.show());

  registerIpcHandlers(ipcMain, {
    appOrigin,
    services,
    openExternal: (url) => shell.openExternal(url),
    openPath: (path) => shell.openPath(path),
  });

  const applyStartAtLogin = (on: boolean) => {
    // Run unpackaged (`electron .`), the executable is Electron itself and needs the app folder.
    const appArgs = process.defaultApp ? [app.getAppPath()] : [];
    if (platform === 'linux')
      setLinuxAutostart(on, {
        env: process.env,
        home: os.homedir(),
        execPath: process.execPath,
        appArgs,
      });
    // args reach the app on Windows; macOS reports a login launch through wasOpenedAtLogin.
    else app.setLoginItemSettings({ openAtLogin: on, args: [HIDDEN_ARG] });
  };
  const icons = trayIconFiles(platform);
  const tray = new TrayController({
    services,
    icons: { running: join(deps.assetsDir, icons.running), idle: join(deps.assetsDir, icons.idle) },
    endpointUrl: `${appOrigin}/v1`,
    prefs,
    openDashboard: () => mainWindow.show(),
    copyText: (text) => clipboard.writeText(text),
    setStartAtLogin: (on) => {
      try {
        applyStartAtLogin(on);
        prefs.set('startAtLogin', on);
      } catch (err) {
        log.error('could not change start at login', { error: message(err) });
        dialog.showErrorBox('Start at login', message(err));
      }
    },
    quit: () => app.quit(),
  });
  // Refresh the login entry: an AppImage or app bundle may have moved since it was written.
  if (prefs.get().startAtLogin) {
    try {
      applyStartAtLogin(true);
    } catch (err) {
      log.warn('could not refresh the login item', { error: message(err) });
    }
  }

  const openedAtLogin = platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin;
  const startHidden = argv.includes(HIDDEN_ARG) || openedAtLogin || prefs.get().startMinimized;
  if (showWhenReady || !startHidden) mainWindow.ensureCreated(true);

  return { services, server: running, prefs, window: mainWindow, tray, quit };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
