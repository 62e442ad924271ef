import {
  BrowserWindow,
  screen,
  type BrowserWindowConstructorOptions,
  type WebPreferences,
} from 'electron';
import { bridgeArguments } from '../../shared/desktop-bridge';
import { closeAction, type CloseChoice } from './close-policy';
import { restorableBounds, type Bounds, type PreferencesService } from './preferences';
import { hardenWebContents } from './security';

/** The renderer gets no Node, no Electron internals and Chromium's full sandbox. */
export function secureWebPreferences(
  preload: string,
  additionalArguments: string[],
): WebPreferences {
  return {
    preload,
    additionalArguments,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
  };
}

export interface MainWindowOptions {
  /** the local server the dashboard is loaded from, e.g. http://127.0.0.1:8080 */
  serverUrl: string;
  version: string;
  preloadPath: string;
  iconPath?: string;
  prefs: PreferencesService;
  openExternal(url: string): void;
  /** true once quitting started: the window may then really close */
  isQuitting(): boolean;
  /** the user closed the window while close-to-tray is off */
  onClosedForGood(): void;
  /** Windows logoff/shutdown, reported through the window */
  onSessionEnd?(): void;
  /** whether a tray icon can be seen (Linux without a StatusNotifier host: no); default true */
  trayVisible?: boolean;
  /** asked when the window is closed with close-to-tray on but no visible tray */
  askOnClose?(): Promise<CloseChoice>;
  /** the user chose to keep the endpoint running without a window or tray icon */
  onKeptRunning?(): void;
  platform?: NodeJS.Platform;
}

export function mainWindowOptions(
  o: Pick<MainWindowOptions, 'serverUrl' | 'version' | 'preloadPath' | 'iconPath'>,
  bounds: Bounds | undefined,
): BrowserWindowConstructorOptions {
  return {
    ...(bounds ?? { width: 1280, height: 820 }),
    minWidth: 720,
    minHeight: 480,
    title: 'Llamactl',
    show: false,
    backgroundColor: '#0f172a',
    icon: o.iconPath,
    autoHideMenuBar: true,
    webPreferences: secureWebPreferences(
      o.preloadPath,
      bridgeArguments({ serverUrl: o.serverUrl, version: o.version }),
    ),
  };
}

/**
 * The one dashboard window: created on first show, hidden (not destroyed) on close when
 * close-to-tray is on, so reopening from the tray is instant and keeps the page state.
 */
export class MainWindow {
  private win: BrowserWindow | null = null;
  private saveTimer: ReturnType<typeof setTimeout> | null = null;
  private asking = false;

  constructor(private readonly o: MainWindowOptions) {}

  get window(): BrowserWindow | null {
    return this.win;
  }

  /** Shows and focuses the window, creating it if needed (tray, second launch, dock click). */
  show(): BrowserWindow {
    const win = this.win ?? this.create(true);
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
    return win;
  }

  /**
   * Hides the window. A fullscreen window on macOS leaves fullscreen first: hidden as it is,
   * it leaves a black Space behind. Fullscreen transitions are asynchronous on macOS
   * (docs/api/browser-window.md, setFullScreen), so the hide waits for 'leave-full-screen'.
   */
  hide(): void {
    const win = this.win;
    if (!win || win.isDestroyed()) return;
    if ((this.o.platform ?? process.platform) === 'darwin' && win.isFullScreen()) {
      win.once('leave-full-screen', () => win.hide());
      win.setFullScreen(false);
      return;
    }
    win.hide();
  }

  /** Creates the window without showing it (start minimized). */
  ensureCreated(visible: boolean): BrowserWindow {
    return this.win ?? this.create(visible);
  }

  private create(visible: boolean): BrowserWindow {
    const workAreas = screen.getAllDisplays().map((d) => d.workArea);
    const bounds = restorableBounds(this.o.prefs.get().windowBounds, workAreas);
    const win = new BrowserWindow(mainWindowOptions(this.o, bounds));
    this.win = win;
    hardenWebContents(win.webContents, new URL(this.o.serverUrl).origin, this.o.openExternal);

    if (visible) win.once('ready-to-show', () => win.show());
    const scheduleSave = () => {
      if (this.saveTimer) clearTimeout(this.saveTimer);
      this.saveTimer = setTimeout(() => this.saveBounds(), 400);
    };
    win.on('resize', scheduleSave);
    win.on('move', scheduleSave);
    win.on('close', (event) => {
      this.saveBounds();
      if (this.o.isQuitting()) return;
      const action = closeAction({
        closeToTray: this.o.prefs.get().closeToTray,
        trayVisible: this.o.trayVisible ?? true,
      });
      if (action === 'quit') {
        this.o.onClosedForGood();
        return;
      }
      event.preventDefault();
      if (action === 'hide') this.hide();
      else void this.askAndClose();
    });
    win.on('session-end', () => this.o.onSessionEnd?.());
    win.on('closed', () => {
      if (this.saveTimer) clearTimeout(this.saveTimer);
      this.win = null;
    });
    void win.loadURL(this.o.serverUrl + '/');
    return win;
  }

  private async askAndClose(): Promise<void> {
    if (this.asking) return;
    this.asking = true;
    try {
      const choice = this.o.askOnClose ? await this.o.askOnClose() : 'quit';
      if (choice === 'quit') this.o.onClosedForGood();
      else if (choice === 'keep') {
        this.hide();
        this.o.onKeptRunning?.();
      }
    } finally {
      this.asking = false;
    }
  }

  private saveBounds(): void {
    const win = this.win;
    if (!win || win.isDestroyed() || win.isMinimized() || win.isFullScreen()) return;
    const b = win.getNormalBounds();
    try {
      this.o.prefs.set('windowBounds', {
        x: Math.round(b.x),
        y: Math.round(b.y),
        width: Math.round(b.width),
        height: Math.round(b.height),
      });
    } catch {
      // A degenerate size (e.g. mid-animation) is not worth remembering.
    }
  }
}
