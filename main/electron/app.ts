import { join } from 'node:path';
import os from 'node:os';
import {
  app,
  BrowserWindow,
  clipboard,
  dialog,
  ipcMain,
  Menu,
  Notification,
  powerMonitor,
  session,
  shell,
} from 'electron';
import type { AppConfig } from '../config/schema';
import { startupErrorMessage } from '../startup-errors';
import { DataDirLockedError } from '../store/data-dir-lock';
import { appMenuTemplate } from './app-menu';
import {
  HIDDEN_ARG,
  MAC_LOGIN_ITEMS_SETTINGS_URL,
  macLoginItemState,
  setLinuxAutostart,
} from './autostart';
import type { ShowRequests } from './bootstrap';
import { closePrompt, keptRunningNotification, startHidden } from './close-policy';
import type { DesktopServices } from './desktop-services';
import { registerIpcHandlers } from './ipc';
import { listenWithPortChoice, portConflictMessage } from './port-conflict';
import { PreferencesService, type PreferenceStore } from './preferences';
import {
  createQuitSequence,
  DEFAULT_QUIT_TIMING,
  shutdownQuitTiming,
  type QuitTiming,
} from './quit';
import { contentSecurityPolicy, hardenSession, inlineScriptHashes } from './security';
import { trayVisible, type TrayHost } from './status-notifier';
import { TrayController } from './tray';
import { loopbackOrigin } from './trusted-url';
import { trayIconFiles } from './tray-menu';
import { MainWindow } from './window';

export interface RunningServerLike {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The data-folder lock of main/store/data-dir-lock.ts, as the app uses it. */
export interface DataDirLockLike {
  setUrl(url: string): void;
  release(): void;
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
  /** where the signals come from (the process itself) */
  signalSource?: Pick<NodeJS.Process, 'on'>;
  /** window requests that arrived while the app was loading (see bootstrap.ts) */
  early?: ShowRequests;
  /** PATH from the login shell, AppImage entries removed: before any backend starts */
  prepareEnvironment?(): Promise<void>;
  /** Linux: whether a StatusNotifier host shows tray icons (see status-notifier.ts) */
  trayHost?(): Promise<TrayHost>;
  /** takes the data folder's lock before the services touch it (main/store/data-dir-lock.ts) */
  lockDataDir?(dataDir: string): DataDirLockLike;
  /** the desktop log's folder, for "Show logs" */
  logsDir?: string;
}

export interface DesktopApp<S extends DesktopServices> {
  services: S;
  server: RunningServerLike;
  prefs: PreferencesService;
  window: MainWindow;
  tray: TrayController;
  quit(timing?: QuitTiming): Promise<void>;
}

/**
 * The app lifecycle once the bootstrap holds the single-instance lock: the server in-process
 * on the configured port, a window and a tray, and a quit that always stops the instances
 * first. Resolves null when this process is not going to run the app (port conflict refused,
 * data folder in use, configuration error).
 */
export async function startDesktopApp<S extends DesktopServices>(
  deps: DesktopAppDeps<S>,
): Promise<DesktopApp<S> | null> {
  const argv = deps.argv ?? process.argv;
  const platform = deps.platform ?? process.platform;

  // A second launch or a Dock click ('activate', macOS) shows the window, or asks for it as
  // soon as there is one; the bootstrap registered both before the app's code was loaded.
  let window: MainWindow | null = null;
  let showWhenReady = false;
  deps.early?.subscribe(() => {
    if (window) window.show();
    else showWhenReady = true;
  });
  // Staying alive without windows is the point of a tray app.
  app.on('window-all-closed', () => {});

  await app.whenReady();
  await deps.prepareEnvironment?.();
  const canTray = trayVisible(
    platform,
    platform === 'linux' ? await (deps.trayHost?.() ?? Promise.resolve('present')) : 'present',
  );
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

  let lock: DataDirLockLike | null = null;
  try {
    lock = deps.lockDataDir?.(config.data_dir) ?? null;
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      await dataDirInUse(err);
      app.exit(2);
      return null;
    }
    dialog.showErrorBox(
      'Llamactl cannot start',
      startupErrorMessage(err, 'data_dir', config) ?? message(err),
    );
    app.exit(2);
    return null;
  }

  let services: S;
  try {
    services = await deps.createServices(config);
  } catch (err) {
    lock?.release();
    const line = startupErrorMessage(err, 'database', config);
    if (line === null) throw err;
    dialog.showErrorBox('Llamactl cannot start', line);
    app.exit(2);
    return null;
  }
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
    lock?.release();
    app.exit(1);
    return null;
  }
  if (!server) {
    log.info('the configured port is taken and the user chose to quit');
    await deps.closeServices(services);
    lock?.release();
    app.exit(0);
    return null;
  }
  const running = server;
  lock?.setUrl(running.url);
  log.info(`server listening on ${running.url}`);
  const appOrigin = loopbackOrigin(running.url);
  const endpointUrl = `${appOrigin}/v1`;
  if (!canTray)
    log.warn(
      'no StatusNotifier host on the session bus: tray icons are not shown on this desktop, so closing the window asks before quitting and start-minimized is ignored',
    );

  hardenSession(
    session.defaultSession,
    appOrigin,
    contentSecurityPolicy(inlineScriptHashes(deps.dashboardHtml?.() ?? '')),
  );
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });

  let quitting = false;
  const baseTiming = deps.quitTiming ?? DEFAULT_QUIT_TIMING;
  const runQuit = createQuitSequence(
    {
      stopInstances: (ms) => services.instances.shutdown(ms),
      closeServer: () => running.close(),
      closeServices: async () => {
        await deps.closeServices(services);
        lock?.release();
      },
      exit: (code) => app.exit(code),
    },
    log,
    baseTiming,
  );
  const quit = (timing?: QuitTiming) => {
    quitting = true;
    return runQuit(timing);
  };
  // Every way out (menu, tray, Cmd-Q, app.quit()) passes here; app.exit() at the end of the
  // sequence does not emit before-quit again.
  app.on('before-quit', (event) => {
    event.preventDefault();
    void quit();
  });
  // System shutdown: preventDefault() makes Electron hold the shutdown (a logind delay lock on
  // Linux, docs/api/power-monitor.md) for as long as the OS allows; the quit fits that budget.
  // A Linux logout is not signalled as 'shutdown': the session's end reaches the app as
  // SIGTERM/SIGHUP below, or not at all, and the backends left then are reaped at the next start.
  powerMonitor.on('shutdown', ((event?: { preventDefault(): void }) => {
    event?.preventDefault();
    void quit(shutdownQuitTiming(platform, baseTiming));
  }) as () => void);
  // process.on, not once: after a once-listener fires, the next SIGINT (npm start delivers
  // Ctrl-C twice) gets Node's default action and kills Electron mid-quit, leaving the backends
  // running in their own process groups. quit() is idempotent.
  const signals = deps.signalSource ?? process;
  for (const signal of deps.signals ?? ['SIGTERM', 'SIGINT', 'SIGHUP'])
    signals.on(signal, () => void quit());

  const notify = (n: { title: string; body: string }) => {
    if (Notification.isSupported()) new Notification(n).show();
    else log.info(`${n.title}: ${n.body}`);
  };
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
    trayVisible: canTray,
    platform,
    askOnClose: async () => {
      const prompt = closePrompt(endpointUrl);
      const { response } = await dialog.showMessageBox(prompt.options);
      return prompt.choice(response);
    },
    onKeptRunning: () => notify(keptRunningNotification(endpointUrl)),
  });
  window = mainWindow;

  registerIpcHandlers(ipcMain, {
    appOrigin,
    services,
    openExternal: (url) => shell.openExternal(url),
    openPath: (path) => shell.openPath(path),
    showOpenDialog: (sender, options) => {
      // docs/api/dialog.md: the window argument attaches the dialog to its parent, making it
      // modal; docs/api/browser-window.md: fromWebContents is null for contents without one.
      const parent = BrowserWindow.fromWebContents(sender);
      return parent ? dialog.showOpenDialog(parent, options) : dialog.showOpenDialog(options);
    },
  });

  const showLogs = () => {
    if (deps.logsDir) void shell.openPath(deps.logsDir);
  };
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      appMenuTemplate(platform, {
        showLogs,
        revealDataFolder: () => void shell.openPath(config.data_dir),
      }),
    ),
  );

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
  const loginItem =
    platform === 'darwin' ? () => macLoginItemState(app.getLoginItemSettings()) : undefined;
  const icons = trayIconFiles(platform);
  const tray = new TrayController({
    services,
    icons: { running: join(deps.assetsDir, icons.running), idle: join(deps.assetsDir, icons.idle) },
    endpointUrl,
    prefs,
    platform,
    openDashboard: () => mainWindow.show(),
    copyText: (text) => clipboard.writeText(text),
    loginItem,
    setStartAtLogin: (on) => {
      try {
        applyStartAtLogin(on);
        prefs.set('startAtLogin', on);
      } catch (err) {
        log.error('could not change start at login', { error: message(err) });
        dialog.showErrorBox('Start at login', message(err));
        return;
      }
      if (on && loginItem?.().needsApproval) void askForLoginItemApproval();
    },
    showLogs,
    quit: () => app.quit(),
  });
  // Refresh the login entry: an AppImage or app bundle may have moved since it was written.
  if (prefs.get().startAtLogin && platform === 'linux') {
    try {
      applyStartAtLogin(true);
    } catch (err) {
      log.warn('could not refresh the login item', { error: message(err) });
    }
  }

  const openedAtLogin = platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin;
  const hidden = startHidden({
    hiddenArg: argv.includes(HIDDEN_ARG),
    openedAtLogin,
    startMinimized: prefs.get().startMinimized,
    trayVisible: canTray,
  });
  if (showWhenReady || !hidden) mainWindow.ensureCreated(true);

  return { services, server: running, prefs, window: mainWindow, tray, quit };
}

/** Another server holds the data folder: say which, and offer its dashboard. */
async function dataDirInUse(err: DataDirLockedError): Promise<void> {
  const url = err.holder.url;
  const { response } = await dialog.showMessageBox({
    type: 'info',
    title: 'Llamactl is already running',
    message: 'Another Llamactl server is using the data folder.',
    detail: err.message,
    buttons: url ? ['Open its dashboard', 'Quit'] : ['Quit'],
    defaultId: 0,
    cancelId: url ? 1 : 0,
    noLink: true,
  });
  if (url && response === 0) await shell.openExternal(`${url}/`);
}

/** macOS 13+: a new login item stays off until the user allows it in System Settings. */
async function askForLoginItemApproval(): Promise<void> {
  const { response } = await dialog.showMessageBox({
    type: 'info',
    title: 'Start at login',
    message: 'macOS needs your approval to start Llamactl at login.',
    detail: 'Allow Llamactl Desktop in System Settings > General > Login Items.',
    buttons: ['Open System Settings', 'Later'],
    defaultId: 0,
    cancelId: 1,
    noLink: true,
  });
  if (response === 0) await shell.openExternal(MAC_LOGIN_ITEMS_SETTINGS_URL);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
