import Conf from 'conf';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DESKTOP_IPC } from '../../shared/desktop-bridge';
import { loadConfig } from '../config/load-config';
import { silentLogger } from '../logger';
import { listen } from '../server/http-server';
import { closeServices, createServices } from '../services';
import { findFreePort } from './port-conflict';
import { startDesktopApp, type DesktopApp, type DesktopAppDeps } from './app';
import type { DesktopServices } from './desktop-services';
import { acquireDataDirLock } from '../store/data-dir-lock';
import type { ShowRequests } from './bootstrap';
import {
  app,
  dialog,
  FakeBrowserWindow,
  FakeEvent,
  FakeNotification,
  FakeTray,
  ipcMain,
  Menu,
  powerMonitor,
  resetFakeElectron,
  shell,
} from './testing/fake-electron';
import { fakeDesktopServices, FAKE_MANAGEMENT_KEY, makeInstance } from './testing/fake-instances';

vi.mock('electron', () => import('./testing/fake-electron'));

let dir: string;
let order: string[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

// One ordered log of what quitting did, exit included.
const fakeExit = app.exit.bind(app);
app.exit = (code = 0) => {
  order.push(`exit ${code}`);
  fakeExit(code);
};

beforeEach(() => {
  resetFakeElectron();
  dir = mkdtempSync(join(tmpdir(), 'llamactl-desktop-app-'));
  order = [];
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

/** A plain HTTP server standing in for the app server, on a real port (so EADDRINUSE is real). */
function plainListen(_s: unknown, host: string, port: number) {
  const server = http.createServer((_req, res) => res.end('dashboard'));
  return new Promise<{ url: string; port: number; close(): Promise<void> }>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const actual = (server.address() as net.AddressInfo).port;
      const close = () =>
        new Promise<void>((r) => {
          order.push('closeServer');
          server.close(() => r());
          server.closeAllConnections();
        });
      cleanups.push(() =>
        server.listening ? new Promise<void>((r) => server.close(() => r())) : undefined,
      );
      resolve({ url: `http://${host}:${actual}`, port: actual, close });
    });
  });
}

function fakeDeps(opts: { port?: number; prefs?: Record<string, unknown> } = {}) {
  const services = fakeDesktopServices(
    [makeInstance('alpha', 'running'), makeInstance('beta', 'stopped')],
    dir,
  );
  services.config.server.host = '127.0.0.1';
  services.config.server.port = opts.port ?? 0;
  const shutdown = services.instances.shutdown.bind(services.instances);
  services.instances.shutdown = async (ms) => {
    order.push('shutdown');
    await shutdown(ms);
  };
  const store = new Conf({ cwd: dir, configName: 'preferences', projectVersion: '0.0.0' });
  for (const [k, v] of Object.entries(opts.prefs ?? {})) store.set(k, v);
  const deps: DesktopAppDeps<typeof services> = {
    loadConfig: () => services.config,
    createServices: async () => services,
    closeServices: async () => void order.push('closeServices'),
    listen: plainListen,
    preferenceStore: () => store,
    preloadPath: '/app/dist/preload/index.js',
    assetsDir: '/app/assets',
    version: '9.9.9',
    signals: [],
    platform: 'linux',
    quitTiming: { instanceStopMs: 2000, deadlineMs: 4000 },
  };
  return { services, deps };
}

/** Stands in for the bootstrap's buffered 'second-instance' / 'activate' requests. */
function showRequests() {
  let listener: (() => void) | null = null;
  const early: ShowRequests = { subscribe: (l) => void (listener = l) };
  return { early, request: () => listener?.() };
}

async function occupyPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => s.close(() => r())));
  return (s.address() as net.AddressInfo).port;
}

async function start<S extends DesktopServices>(deps: DesktopAppDeps<S>): Promise<DesktopApp<S>> {
  const started = await startDesktopApp(deps);
  if (!started) throw new Error('the app did not start');
  return started;
}

describe('desktop app lifecycle', () => {
  it('starts the server on the configured port and loads the dashboard from it in a window and a tray', async () => {
    const port = await findFreePort('127.0.0.1');
    const { deps } = fakeDeps({ port });
    const desktop = await start(deps);
    expect(desktop.server.port).toBe(port);
    const [win] = FakeBrowserWindow.instances;
    expect(win.webContents.url).toBe(`http://127.0.0.1:${port}/`);
    expect(await (await fetch(win.webContents.url)).text()).toBe('dashboard');
    expect(FakeTray.instances).toHaveLength(1);
    expect(dialog.messageBoxes).toEqual([]);
  });

  it('shows and focuses the existing window when the app is launched a second time', async () => {
    const { deps } = fakeDeps();
    const { early, request } = showRequests();
    await start({ ...deps, early });
    const [win] = FakeBrowserWindow.instances;
    win.minimize();
    win.hide();
    request();
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    expect(win.minimized).toBe(false);
    expect(win.visible).toBe(true);
    expect(win.focusCount).toBe(1);
  });

  it('starts hidden in the tray when asked to, and a second launch then opens the window', async () => {
    const { deps } = fakeDeps({ prefs: { startMinimized: true } });
    const { early, request } = showRequests();
    await start({ ...deps, early });
    expect(FakeBrowserWindow.instances).toHaveLength(0);
    request();
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    expect(FakeBrowserWindow.instances[0].visible).toBe(true);
  });

  it('offers another port in a dialog when the configured one is taken, and starts there when accepted', async () => {
    const taken = await occupyPort();
    const { deps } = fakeDeps({ port: taken });
    dialog.responses.push(0);
    const desktop = await start(deps);
    expect(dialog.messageBoxes).toHaveLength(1);
    expect(dialog.messageBoxes[0].message).toBe(`Port ${taken} on 127.0.0.1 is already in use.`);
    expect(dialog.messageBoxes[0].buttons[0]).toBe(`Use port ${desktop.server.port}`);
    expect(desktop.server.port).not.toBe(taken);
    expect(FakeBrowserWindow.instances[0].webContents.url).toBe(
      `http://127.0.0.1:${desktop.server.port}/`,
    );
  });

  it('quits cleanly without a window when the port is taken and the user declines', async () => {
    const taken = await occupyPort();
    const { deps } = fakeDeps({ port: taken });
    dialog.responses.push(1);
    await expect(startDesktopApp(deps)).resolves.toBeNull();
    expect(order).toEqual(['closeServices', 'exit 0']);
    expect(FakeBrowserWindow.instances).toHaveLength(0);
    expect(FakeTray.instances).toHaveLength(0);
  });

  it('stops every instance before exiting when the user quits (menu, Cmd-Q, tray)', async () => {
    const { services, deps } = fakeDeps();
    const desktop = await start(deps);
    app.quit();
    await vi.waitFor(() => expect(order).toContain('exit 0'));
    expect(order).toEqual(['shutdown', 'closeServer', 'closeServices', 'exit 0']);
    expect(services.instances.list().every((i) => i.status === 'stopped')).toBe(true);
    await expect(fetch(desktop.server.url)).rejects.toThrow();
  });

  it('runs the quit sequence once even when several quit paths fire together', async () => {
    const { deps } = fakeDeps();
    const desktop = await start(deps);
    app.quit();
    powerMonitor.emit('shutdown', new FakeEvent());
    void desktop.quit();
    await vi.waitFor(() => expect(order).toContain('exit 0'));
    expect(order.filter((o) => o === 'shutdown')).toHaveLength(1);
    expect(order.filter((o) => o.startsWith('exit'))).toHaveLength(1);
  });

  it('delays a system shutdown to stop the instances', async () => {
    const { deps } = fakeDeps();
    await start(deps);
    const event = new FakeEvent();
    powerMonitor.emit('shutdown', event);
    expect(event.defaultPrevented).toBe(true);
    await vi.waitFor(() =>
      expect(order).toEqual(['shutdown', 'closeServer', 'closeServices', 'exit 0']),
    );
  });

  it('runs the quit sequence when the session ends (Windows logoff, reported on the window)', async () => {
    const { deps } = fakeDeps();
    await start(deps);
    FakeBrowserWindow.instances[0].emit('session-end', new FakeEvent());
    await vi.waitFor(() =>
      expect(order).toEqual(['shutdown', 'closeServer', 'closeServices', 'exit 0']),
    );
  });

  it('exits at the deadline when an instance does not stop', async () => {
    const { services, deps } = fakeDeps();
    services.instances.shutdownGate = new Promise(() => {});
    await start({ ...deps, quitTiming: { instanceStopMs: 100, deadlineMs: 200 } });
    app.quit();
    await vi.waitFor(() => expect(order).toEqual(['shutdown', 'exit 1']));
  });

  it('quits through the same sequence when the window is closed with close-to-tray off', async () => {
    const { deps } = fakeDeps({ prefs: { closeToTray: false } });
    await start(deps);
    FakeBrowserWindow.instances[0].close();
    await vi.waitFor(() =>
      expect(order).toEqual(['shutdown', 'closeServer', 'closeServices', 'exit 0']),
    );
  });

  it('keeps running in the tray when the window is closed with close-to-tray on', async () => {
    const { deps } = fakeDeps();
    await start(deps);
    FakeBrowserWindow.instances[0].close();
    expect(FakeBrowserWindow.instances[0].visible).toBe(false);
    expect(order).toEqual([]);
    expect(app.quitCalls).toBe(0);
  });

  it('starts and stops instances from the tray menu through the instance manager', async () => {
    const { services, deps } = fakeDeps();
    await start(deps);
    const menu = () => FakeTray.instances[0].menu!.template;
    menu()
      .find((m: any) => m.id === 'instance:beta')
      .click();
    menu()
      .find((m: any) => m.id === 'instance:alpha')
      .click();
    await vi.waitFor(() => expect(services.instances.calls).toEqual(['start beta', 'stop alpha']));
  });

  it('quits from the tray menu through the quit sequence', async () => {
    const { deps } = fakeDeps();
    await start(deps);
    FakeTray.instances[0].menu!.template.find((m: any) => m.id === 'quit').click();
    await vi.waitFor(() =>
      expect(order).toEqual(['shutdown', 'closeServer', 'closeServices', 'exit 0']),
    );
  });

  it('hands the management key to the dashboard page only', async () => {
    const { deps } = fakeDeps();
    const desktop = await start(deps);
    const handler = ipcMain.handlers.get(DESKTOP_IPC.managementKey)!;
    await expect(
      handler({ senderFrame: { url: `${desktop.server.url}/`, parent: null } }),
    ).resolves.toBe(FAKE_MANAGEMENT_KEY);
    await expect(async () =>
      handler({ senderFrame: { url: 'https://evil.test/', parent: null } }),
    ).rejects.toThrow();
  });

  it('opens the model file picker as a sheet of the window that asked, and returns the chosen file', async () => {
    const { deps } = fakeDeps();
    const desktop = await start(deps);
    const win = FakeBrowserWindow.instances[0];
    const handler = ipcMain.handlers.get(DESKTOP_IPC.chooseModelFile)!;
    const ask = () =>
      handler({
        sender: win.webContents,
        senderFrame: { url: `${desktop.server.url}/#/instances`, parent: null },
      });
    dialog.openDialogAnswers.push(['/models/qwen3-1.7b-q4_k_m.gguf']);
    await expect(ask()).resolves.toBe('/models/qwen3-1.7b-q4_k_m.gguf');
    await expect(ask()).resolves.toBeNull();
    expect(dialog.openDialogs).toHaveLength(2);
    expect(dialog.openDialogs[0].parent).toBe(win);
    expect(dialog.openDialogs[0].options.properties).toEqual(['openFile']);
  });

  it('writes an XDG autostart entry on Linux when Start at login is ticked', async () => {
    const saved = process.env.XDG_CONFIG_HOME;
    process.env.XDG_CONFIG_HOME = join(dir, 'xdg');
    cleanups.push(() => {
      if (saved === undefined) delete process.env.XDG_CONFIG_HOME;
      else process.env.XDG_CONFIG_HOME = saved;
    });
    const { deps } = fakeDeps();
    const desktop = await start(deps);
    FakeTray.instances[0].menu!.template.find((m: any) => m.id === 'start-at-login').click();
    const { readFileSync, existsSync } = await import('node:fs');
    const file = join(dir, 'xdg', 'autostart', 'llamactl-desktop.desktop');
    expect(readFileSync(file, 'utf8')).toMatch(/^Exec=.* --hidden$/m);
    expect(desktop.prefs.get().startAtLogin).toBe(true);
    FakeTray.instances[0].menu!.template.find((m: any) => m.id === 'start-at-login').click();
    expect(existsSync(file)).toBe(false);
  });

  it('runs the real server in-process: the same services and listen() as the headless build', async () => {
    const config = loadConfig({
      overrides: {
        data_dir: dir,
        server: { host: '127.0.0.1', port: 0 },
        auth: { management_keys: ['desktop-int-key'] },
      },
    });
    const closed: string[] = [];
    const desktop = await start({
      loadConfig: () => config,
      createServices: (c) => createServices(c, { log: silentLogger }),
      closeServices: async (s) => {
        await closeServices(s);
        closed.push('services');
      },
      listen: (s, host, port) => listen(s, host, port),
      preferenceStore: () =>
        new Conf({ cwd: dir, configName: 'preferences', projectVersion: '0.0.0' }),
      preloadPath: '/p.js',
      assetsDir: '/a',
      version: '9.9.9',
      signals: [],
      platform: 'linux',
    });
    const res = await fetch(`${desktop.server.url}/api/v1/version`, {
      headers: { Authorization: 'Bearer desktop-int-key' },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^Version: /);
    const key = await ipcMain.handlers.get(DESKTOP_IPC.managementKey)!({
      senderFrame: { url: `${desktop.server.url}/`, parent: null },
    });
    expect(key).toBe('desktop-int-key');
    await desktop.quit();
    expect(closed).toEqual(['services']);
    expect(order).toEqual(['exit 0']);
  });

  it('ends in one clean quit with every instance stopped when a quit signal comes twice, the second mid-quit', async () => {
    // The real process and a real signal: with process.once the second one would get Node's
    // default action and kill this process in the middle of the quit.
    const { services, deps } = fakeDeps();
    let release!: () => void;
    services.instances.shutdownGate = new Promise<void>((r) => (release = r));
    cleanups.push(() => void process.removeAllListeners('SIGUSR2'));
    await start({ ...deps, signals: ['SIGUSR2'] });
    process.kill(process.pid, 'SIGUSR2');
    await vi.waitFor(() => expect(order).toEqual(['shutdown']));
    process.kill(process.pid, 'SIGUSR2');
    await vi.waitFor(() => expect(process.listenerCount('SIGUSR2')).toBe(1));
    release();
    await vi.waitFor(() => expect(order).toContain('exit 0'));
    expect(order).toEqual(['shutdown', 'closeServer', 'closeServices', 'exit 0']);
    expect(services.instances.list().every((i) => i.status === 'stopped')).toBe(true);
  });

  it("gives the instances the shutdown budget that fits logind's delay lock on Linux", async () => {
    const { services, deps } = fakeDeps();
    await start({ ...deps, quitTiming: { instanceStopMs: 10_000, deadlineMs: 15_000 } });
    powerMonitor.emit('shutdown', new FakeEvent());
    await vi.waitFor(() => expect(order).toContain('exit 0'));
    expect(services.instances.calls).toContain('shutdown 3000');
  });

  it('asks before quitting when no tray icon can be seen, and leaves a notification when the endpoint is kept', async () => {
    const { deps } = fakeDeps();
    const desktop = await start({ ...deps, trayHost: async () => 'absent' });
    const [win] = FakeBrowserWindow.instances;
    dialog.responses.push(1);
    win.close();
    await vi.waitFor(() => expect(FakeNotification.shown).toHaveLength(1));
    expect(dialog.messageBoxes[0].buttons).toEqual(['Quit', 'Keep the endpoint running', 'Cancel']);
    expect(FakeNotification.shown[0].title).toBe('Llamactl is still running');
    expect(FakeNotification.shown[0].body).toContain(`${desktop.server.url}/v1`);
    expect(win.visible).toBe(false);
    expect(order).toEqual([]);
    desktop.window.show();
    dialog.responses.push(0);
    win.close();
    await vi.waitFor(() =>
      expect(order).toEqual(['shutdown', 'closeServer', 'closeServices', 'exit 0']),
    );
  });

  it('ignores start-minimized when no tray icon can be seen', async () => {
    const { deps } = fakeDeps({ prefs: { startMinimized: true } });
    await start({ ...deps, trayHost: async () => 'absent', argv: ['electron', '--hidden'] });
    expect(FakeBrowserWindow.instances).toHaveLength(1);
  });

  it('shows the window for a second launch or Dock click that came while it was starting', async () => {
    const { deps } = fakeDeps({ prefs: { startMinimized: true } });
    let listener: (() => void) | null = null;
    const early: ShowRequests = {
      subscribe: (l) => {
        listener = l;
        l(); // one request arrived before the app subscribed
      },
    };
    const desktop = await start({ ...deps, early });
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    desktop.window.window!.hide();
    listener!();
    expect(FakeBrowserWindow.instances[0].visible).toBe(true);
  });

  it('says another server holds the data folder and offers to open its dashboard', async () => {
    const { deps } = fakeDeps();
    const other = acquireDataDirLock(join(dir, 'data'));
    other.setUrl('http://127.0.0.1:9999');
    cleanups.push(() => other.release());
    const createServices = vi.fn(deps.createServices);
    dialog.responses.push(0);
    await expect(
      startDesktopApp({
        ...deps,
        createServices,
        lockDataDir: (d) => acquireDataDirLock(d),
        loadConfig: () => ({ ...deps.loadConfig(), data_dir: join(dir, 'data') }),
      }),
    ).resolves.toBeNull();
    expect(dialog.messageBoxes[0].detail).toContain(`pid ${process.pid}`);
    expect(dialog.messageBoxes[0].detail).toContain(join(dir, 'data'));
    expect(dialog.messageBoxes[0].buttons).toEqual(['Open its dashboard', 'Quit']);
    expect(shell.opened).toEqual(['http://127.0.0.1:9999/']);
    expect(createServices).not.toHaveBeenCalled();
    expect(order).toEqual(['exit 2']);
  });

  it('takes the data folder lock, records its URL and releases it on quit', async () => {
    const { deps } = fakeDeps();
    const calls: string[] = [];
    const desktop = await start({
      ...deps,
      lockDataDir: () => ({
        setUrl: (u) => calls.push(`url ${u}`),
        release: () => calls.push('release'),
      }),
    });
    expect(calls).toEqual([`url ${desktop.server.url}`]);
    app.quit();
    await vi.waitFor(() => expect(order).toContain('exit 0'));
    expect(calls).toEqual([`url ${desktop.server.url}`, 'release']);
  });

  it('shows a start-up failure a user can fix as one line, without a stack', async () => {
    const { deps } = fakeDeps();
    const released: string[] = [];
    await expect(
      startDesktopApp({
        ...deps,
        lockDataDir: () => ({ setUrl() {}, release: () => released.push('release') }),
        createServices: async () => {
          throw Object.assign(new Error('file is not a database'), { code: 'SQLITE_NOTADB' });
        },
      }),
    ).resolves.toBeNull();
    expect(dialog.errorBoxes[0][1]).toMatch(/is not a SQLite database/);
    expect(dialog.errorBoxes[0][1]).not.toMatch(/\n\s+at /);
    expect(released).toEqual(['release']);
    expect(order).toEqual(['exit 2']);
  });

  it('sets the environment up before any service (and so any backend) starts', async () => {
    const { deps } = fakeDeps();
    await start({
      ...deps,
      prepareEnvironment: async () => void order.push('environment'),
      createServices: async (c) => {
        order.push('services');
        return deps.createServices(c);
      },
    });
    expect(order.slice(0, 2)).toEqual(['environment', 'services']);
  });

  it('has Show logs in the tray and in the app menu, opening the desktop log folder', async () => {
    const { deps } = fakeDeps();
    await start({ ...deps, logsDir: '/home/u/.config/Llamactl Desktop/logs' });
    FakeTray.instances[0].menu!.template.find((m: any) => m.id === 'show-logs').click();
    const help = Menu.application!.template.find((m: any) => m.label === 'Help');
    help.submenu.find((m: any) => m.id === 'show-logs').click();
    expect(shell.paths).toEqual([
      '/home/u/.config/Llamactl Desktop/logs',
      '/home/u/.config/Llamactl Desktop/logs',
    ]);
  });

  it('shows the real macOS login item state and sends the user to System Settings when it needs approval', async () => {
    const { deps } = fakeDeps();
    await start({ ...deps, platform: 'darwin' });
    const item = () =>
      FakeTray.instances[0].menu!.template.find((m: any) => m.id === 'start-at-login');
    expect(item().checked).toBe(false);
    app.loginItemStatus = 'requires-approval';
    dialog.responses.push(0);
    item().click();
    expect(app.loginItems).toEqual([{ openAtLogin: true, args: ['--hidden'] }]);
    await vi.waitFor(() =>
      expect(shell.opened).toEqual([
        'x-apple.systempreferences:com.apple.LoginItems-Settings.extension',
      ]),
    );
    expect(item().label).toBe('Start at login (allow it in System Settings)');
    expect(item().checked).toBe(false);
  });
});
