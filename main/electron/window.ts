import {
  BrowserWindow,
  screen,
  type BrowserWindowConstructorOptions,
  type WebPreferences,
} from 'electron';
import { bridgeArguments } from '../../shared/desktop-bridge';
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
      if (this.o.prefs.get().closeToTray) {
        event.preventDefault();
        win.hide();
        return;
      }
      this.o.onClosedForGood();
    });
    win.on('session-end', () => this.o.onSessionEnd?.());
    win.on('closed', () => {
      if (this.saveTimer) clearTimeout(this.saveTimer);
      this.win = null;
    });
    void win.loadURL(this.o.serverUrl + '/');
    return win;
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
