import { EventEmitter } from 'node:events';

/**
 * A stand-in for the 'electron' module in unit tests (`vi.mock('electron', ...)`): Electron's
 * binary cannot run here, and the shell has no other seam. Each fake records what the code
 * under test asked of it; `resetFakeElectron()` gives every test a clean slate.
 */

export class FakeEvent {
  defaultPrevented = false;
  constructor(readonly extra: Record<string, unknown> = {}) {
    Object.assign(this, extra);
  }
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

class FakeApp extends EventEmitter {
  hasLock = true;
  quitCalls = 0;
  exitCodes: number[] = [];
  loginItems: unknown[] = [];
  /** macOS login item status (app.getLoginItemSettings().status) */
  loginItemStatus: string | undefined = undefined;
  paths: Record<string, string> = { userData: '/fake/userData', logs: '/fake/logs' };
  logsPathSet = 0;
  isPackaged = false;
  setPath(name: string, path: string) {
    this.paths[name] = path;
  }
  getPath(name: string) {
    return this.paths[name] ?? `/fake/${name}`;
  }
  setAppLogsPath() {
    this.logsPathSet++;
  }
  requestSingleInstanceLock() {
    return this.hasLock;
  }
  whenReady() {
    return Promise.resolve();
  }
  /** Like Electron: quit() emits before-quit, and exits unless a listener prevented it. */
  quit() {
    this.quitCalls++;
    const event = new FakeEvent();
    this.emit('before-quit', event);
    if (!event.defaultPrevented) this.exitCodes.push(0);
  }
  exit(code = 0) {
    this.exitCodes.push(code);
  }
  getVersion() {
    return '0.0.0-test';
  }
  getAppPath() {
    return '/app';
  }
  setLoginItemSettings(settings: unknown) {
    this.loginItems.push(settings);
  }
  getLoginItemSettings() {
    const status = this.loginItemStatus;
    return { openAtLogin: status === 'enabled', wasOpenedAtLogin: false, status };
  }
}

export class FakeWebContents extends EventEmitter {
  url = '';
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null;
  loadURL(url: string) {
    this.url = url;
    return Promise.resolve();
  }
  getURL() {
    return this.url;
  }
  setWindowOpenHandler(handler: (d: { url: string }) => { action: string }) {
    this.windowOpenHandler = handler;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  visible = false;
  minimized = false;
  fullScreen = false;
  destroyed = false;
  focusCount = 0;
  bounds: { x: number; y: number; width: number; height: number };

  constructor(readonly options: Record<string, any>) {
    super();
    this.bounds = {
      x: options.x ?? 50,
      y: options.y ?? 50,
      width: options.width,
      height: options.height,
    };
    FakeBrowserWindow.instances.push(this);
  }
  /** Like Electron: the window owning these contents, or null (docs/api/browser-window.md). */
  static fromWebContents(contents: unknown): FakeBrowserWindow | null {
    return FakeBrowserWindow.instances.find((w) => w.webContents === contents) ?? null;
  }
  loadURL(url: string) {
    return this.webContents.loadURL(url);
  }
  show() {
    this.visible = true;
  }
  hide() {
    this.visible = false;
  }
  focus() {
    this.focusCount++;
  }
  minimize() {
    this.minimized = true;
  }
  restore() {
    this.minimized = false;
  }
  isMinimized() {
    return this.minimized;
  }
  isDestroyed() {
    return this.destroyed;
  }
  isFullScreen() {
    return this.fullScreen;
  }
  /** Like macOS: the transition ends later, with 'enter-full-screen' / 'leave-full-screen'. */
  setFullScreen(flag: boolean) {
    setImmediate(() => {
      this.fullScreen = flag;
      this.emit(flag ? 'enter-full-screen' : 'leave-full-screen');
    });
  }
  getNormalBounds() {
    return this.bounds;
  }
  /** Like Electron: 'close' can be prevented; otherwise the window is destroyed. */
  close() {
    const event = new FakeEvent();
    this.emit('close', event);
    if (event.defaultPrevented) return;
    this.destroyed = true;
    this.emit('closed');
  }
}

export class FakeTray extends EventEmitter {
  static instances: FakeTray[] = [];
  image: unknown;
  tooltip = '';
  menu: { template: any[] } | null = null;
  /** how often the menu was set (Linux needs setContextMenu again for every change) */
  menuBuilds = 0;
  destroyed = false;
  constructor(image: unknown) {
    super();
    this.image = image;
    FakeTray.instances.push(this);
  }
  setImage(image: unknown) {
    this.image = image;
  }
  setToolTip(text: string) {
    this.tooltip = text;
  }
  setContextMenu(menu: { template: any[] }) {
    this.menu = menu;
    this.menuBuilds++;
  }
  destroy() {
    this.destroyed = true;
  }
}

export class FakeNotification {
  static shown: Array<{ title: string; body: string }> = [];
  static isSupported() {
    return true;
  }
  constructor(readonly opts: { title: string; body: string }) {}
  show() {
    FakeNotification.shown.push(this.opts);
  }
}

type Handler = (event: unknown, ...args: unknown[]) => unknown;

const state = {
  app: new FakeApp(),
  dialog: {
    responses: [] as number[],
    messageBoxes: [] as any[],
    errorBoxes: [] as Array<[string, string]>,
    async showMessageBox(opts: any) {
      this.messageBoxes.push(opts);
      return { response: this.responses.shift() ?? opts.cancelId ?? 0 };
    },
    showErrorBox(title: string, content: string) {
      this.errorBoxes.push([title, content]);
    },
    /** what the user picks next: paths, or null to cancel (the default) */
    openDialogAnswers: [] as Array<string[] | null>,
    openDialogs: [] as Array<{ parent: unknown; options: any }>,
    /** Like Electron: showOpenDialog([window, ]options) resolves { canceled, filePaths }. */
    async showOpenDialog(...args: unknown[]) {
      const [parent, options] = args.length > 1 ? args : [null, args[0]];
      this.openDialogs.push({ parent, options });
      const picked = this.openDialogAnswers.shift() ?? null;
      return picked ? { canceled: false, filePaths: picked } : { canceled: true, filePaths: [] };
    },
  },
  shell: {
    opened: [] as string[],
    paths: [] as string[],
    async openExternal(url: string) {
      this.opened.push(url);
    },
    async openPath(path: string) {
      this.paths.push(path);
      return '';
    },
  },
  clipboard: {
    text: '',
    writeText(text: string) {
      this.text = text;
    },
  },
  ipcMain: {
    handlers: new Map<string, Handler>(),
    handle(channel: string, handler: Handler) {
      if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      this.handlers.set(channel, handler);
    },
    removeHandler(channel: string) {
      this.handlers.delete(channel);
    },
  },
  ipcRenderer: {
    invocations: [] as unknown[][],
    async invoke(channel: string, ...args: unknown[]) {
      this.invocations.push([channel, ...args]);
      return channel === 'llamactl:management-key' ? 'key-from-main' : undefined;
    },
  },
  contextBridge: {
    exposed: {} as Record<string, any>,
    exposeInMainWorld(key: string, value: unknown) {
      this.exposed[key] = value;
    },
  },
  powerMonitor: new EventEmitter(),
  /**
   * Like safeStorage's synchronous API (electron_api_safe_storage.cc): unavailable → encrypt
   * and decrypt throw; blobs start with 'v10'/'v11' or decrypting throws "does not appear to be
   * encrypted"; a blob made under another key (the keychain entry replaced) throws "Error while
   * decrypting". getSelectedStorageBackend is the Linux-only method.
   */
  safeStorage: {
    available: true,
    backend: 'gnome_libsecret' as string,
    key: 'keychain-key-1',
    isEncryptionAvailable() {
      return this.available;
    },
    getSelectedStorageBackend() {
      return this.backend;
    },
    encryptString(plain: string): Buffer {
      if (!this.available)
        throw new Error(
          'Error while encrypting the text provided to safeStorage.encryptString. Encryption is not available.',
        );
      const body = `${this.key}:${Buffer.from(plain, 'utf8').toString('base64')}`;
      return Buffer.from(`v11${body}`, 'latin1');
    },
    decryptString(blob: Buffer): string {
      if (!this.available)
        throw new Error(
          'Error while decrypting the ciphertext provided to safeStorage.decryptString. Decryption is not available.',
        );
      const text = blob.toString('latin1');
      if (!text.startsWith('v10') && !text.startsWith('v11'))
        throw new Error(
          'Error while decrypting the ciphertext provided to safeStorage.decryptString. Ciphertext does not appear to be encrypted.',
        );
      const [key, body] = text.slice(3).split(':');
      if (key !== this.key)
        throw new Error(
          'Error while decrypting the ciphertext provided to safeStorage.decryptString.',
        );
      return Buffer.from(body ?? '', 'base64').toString('utf8');
    },
  },
  session: {
    defaultSession: {
      permissionRequestHandler: null as
        | null
        | ((
            wc: unknown,
            p: string,
            cb: (ok: boolean) => void,
            details?: { requestingUrl?: string },
          ) => void),
      permissionCheckHandler: null as null | ((...a: unknown[]) => boolean),
      headersFilter: null as null | { urls: string[] },
      headersListener: null as null | ((d: any, cb: (r: any) => void) => void),
      setPermissionRequestHandler(h: any) {
        this.permissionRequestHandler = h;
      },
      setPermissionCheckHandler(h: any) {
        this.permissionCheckHandler = h;
      },
      webRequest: {
        onHeadersReceived(filter: { urls: string[] }, listener: any) {
          state.session.defaultSession.headersFilter = filter;
          state.session.defaultSession.headersListener = listener;
        },
      },
    },
  },
};

export function resetFakeElectron(): void {
  state.app.removeAllListeners();
  Object.assign(state.app, {
    hasLock: true,
    quitCalls: 0,
    exitCodes: [],
    loginItems: [],
    loginItemStatus: undefined,
    paths: { userData: '/fake/userData', logs: '/fake/logs' },
    logsPathSet: 0,
    isPackaged: false,
  });
  Menu.application = null;
  FakeBrowserWindow.instances = [];
  FakeTray.instances = [];
  FakeNotification.shown = [];
  Object.assign(state.dialog, {
    responses: [],
    messageBoxes: [],
    errorBoxes: [],
    openDialogAnswers: [],
    openDialogs: [],
  });
  Object.assign(state.shell, { opened: [], paths: [] });
  state.clipboard.text = '';
  state.ipcMain.handlers.clear();
  state.ipcRenderer.invocations = [];
  state.contextBridge.exposed = {};
  state.powerMonitor.removeAllListeners();
  Object.assign(state.safeStorage, {
    available: true,
    backend: 'gnome_libsecret',
    key: 'keychain-key-1',
  });
  Object.assign(state.session.defaultSession, {
    permissionRequestHandler: null,
    permissionCheckHandler: null,
    headersFilter: null,
    headersListener: null,
  });
}

export const app = state.app;
export const dialog = state.dialog;
export const shell = state.shell;
export const clipboard = state.clipboard;
export const ipcMain = state.ipcMain;
export const ipcRenderer = state.ipcRenderer;
export const contextBridge = state.contextBridge;
export const powerMonitor = state.powerMonitor;
export const safeStorage = state.safeStorage;
export const session = state.session;
export const screen = {
  getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
};
export const Menu = {
  application: null as { template: any[] } | null,
  buildFromTemplate: (template: any[]) => ({ template }),
  setApplicationMenu(menu: { template: any[] } | null) {
    Menu.application = menu;
  },
};
export const BrowserWindow = FakeBrowserWindow;
export const Tray = FakeTray;
export const Notification = FakeNotification;
