import Conf from 'conf';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBridgeArguments } from '../../shared/desktop-bridge';
import { PreferencesService } from './preferences';
import {
  CONTENT_SECURITY_POLICY,
  contentSecurityPolicy,
  hardenSession,
  inlineScriptHashes,
  withContentSecurityPolicy,
} from './security';
import { FakeBrowserWindow, FakeEvent, resetFakeElectron, session } from './testing/fake-electron';
import { MainWindow, mainWindowOptions, type MainWindowOptions } from './window';

vi.mock('electron', () => import('./testing/fake-electron'));

const SERVER = 'http://127.0.0.1:8080';
let dir: string;
let prefs: PreferencesService;
let opened: string[];
let closedForGood: number;
let quitting: boolean;

function makeWindow(extra: Partial<MainWindowOptions> = {}) {
  return new MainWindow({
    serverUrl: SERVER,
    version: '1.2.3',
    preloadPath: '/app/dist/preload/index.js',
    prefs,
    openExternal: (url) => opened.push(url),
    isQuitting: () => quitting,
    onClosedForGood: () => closedForGood++,
    platform: 'linux',
    ...extra,
  });
}

beforeEach(() => {
  resetFakeElectron();
  dir = mkdtempSync(join(tmpdir(), 'llamactl-window-'));
  prefs = new PreferencesService(
    new Conf({ cwd: dir, configName: 'preferences', projectVersion: '0.0.0' }),
  );
  opened = [];
  closedForGood = 0;
  quitting = false;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('main window options', () => {
  it('are the secure ones: sandbox, context isolation, no node, web security, no webview', () => {
    const o = mainWindowOptions(
      { serverUrl: SERVER, version: '1.2.3', preloadPath: '/p.js' },
      undefined,
    );
    expect(o.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      preload: '/p.js',
    });
    expect(o.show).toBe(false);
  });

  it('hand the server URL and version to the preload as arguments, and never the key', () => {
    const o = mainWindowOptions(
      { serverUrl: SERVER, version: '1.2.3', preloadPath: '/p.js' },
      undefined,
    );
    const args = o.webPreferences?.additionalArguments ?? [];
    expect(readBridgeArguments(args)).toEqual({ serverUrl: SERVER, version: '1.2.3' });
    expect(args.join(' ')).not.toMatch(/key/i);
  });
});

describe('MainWindow', () => {
  it('loads the dashboard from the local server with the secure options', () => {
    makeWindow().show();
    const [win] = FakeBrowserWindow.instances;
    expect(win.webContents.url).toBe(`${SERVER}/`);
    expect(win.options.webPreferences.sandbox).toBe(true);
    expect(win.visible).toBe(true);
  });

  it('denies navigation away from the app origin and sends http(s) links to the system browser', () => {
    makeWindow().show();
    const contents = FakeBrowserWindow.instances[0].webContents;
    const navigate = (url: string) => {
      const e = new FakeEvent();
      contents.emit('will-navigate', e, url);
      return e.defaultPrevented;
    };
    expect(navigate(`${SERVER}/instances`)).toBe(false);
    expect(navigate('https://github.com/ggml-org/llama.cpp')).toBe(true);
    expect(navigate('http://127.0.0.1:8081/')).toBe(true);
    expect(navigate('http://127.0.0.1:8080@evil.test/')).toBe(true);
    expect(navigate('file:///etc/passwd')).toBe(true);
    expect(navigate('javascript:alert(1)')).toBe(true);
    expect(opened).toEqual(['https://github.com/ggml-org/llama.cpp', 'http://127.0.0.1:8081/']);
  });

  it("keeps a backend's pages behind the app's own proxy routes out of the window", () => {
    makeWindow().show();
    const contents = FakeBrowserWindow.instances[0].webContents;
    const navigate = (url: string) => {
      const e = new FakeEvent();
      contents.emit('will-navigate', e, url);
      return e.defaultPrevented;
    };
    expect(navigate(`${SERVER}/api/v1/instances/qwen/proxy/`)).toBe(true);
    expect(navigate(`${SERVER}/llama-cpp/qwen/`)).toBe(true);
    const redirect = new FakeEvent();
    contents.emit('will-redirect', redirect, `${SERVER}/llama-cpp/qwen/`);
    expect(redirect.defaultPrevented).toBe(true);
    expect(contents.windowOpenHandler?.({ url: `${SERVER}/llama-cpp/qwen/` })).toEqual({
      action: 'deny',
    });
    expect(contents.url).toBe(`${SERVER}/`);
    // a link the user clicked opens in the system browser instead
    expect(opened).toEqual([
      `${SERVER}/api/v1/instances/qwen/proxy/`,
      `${SERVER}/llama-cpp/qwen/`,
      `${SERVER}/llama-cpp/qwen/`,
    ]);
  });

  it('refuses redirects to other origins without opening them', () => {
    makeWindow().show();
    const contents = FakeBrowserWindow.instances[0].webContents;
    const e = new FakeEvent();
    contents.emit('will-redirect', e, 'https://evil.test/');
    expect(e.defaultPrevented).toBe(true);
    expect(opened).toEqual([]);
  });

  it('never opens a new window: http(s) links go to the browser, app links stay in the window, others are dropped', () => {
    makeWindow().show();
    const contents = FakeBrowserWindow.instances[0].webContents;
    const open = (url: string) => contents.windowOpenHandler?.({ url });
    expect(open('https://huggingface.co/org/model')).toEqual({ action: 'deny' });
    expect(open('data:text/html,<h1>x</h1>')).toEqual({ action: 'deny' });
    expect(open('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(open(`${SERVER}/models`)).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://huggingface.co/org/model']);
    expect(contents.url).toBe(`${SERVER}/models`);
    expect(FakeBrowserWindow.instances).toHaveLength(1);
  });

  it('refuses to attach webviews', () => {
    makeWindow().show();
    const e = new FakeEvent();
    FakeBrowserWindow.instances[0].webContents.emit('will-attach-webview', e, {}, {});
    expect(e.defaultPrevented).toBe(true);
  });

  it('hides instead of closing when close-to-tray is on, and reopens the same window', () => {
    const w = makeWindow();
    w.show();
    const [win] = FakeBrowserWindow.instances;
    win.close();
    expect(win.destroyed).toBe(false);
    expect(win.visible).toBe(false);
    w.show();
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    expect(win.visible).toBe(true);
    expect(closedForGood).toBe(0);
  });

  it('really closes and asks to quit when close-to-tray is off', () => {
    prefs.set('closeToTray', false);
    makeWindow().show();
    const [win] = FakeBrowserWindow.instances;
    win.close();
    expect(win.destroyed).toBe(true);
    expect(closedForGood).toBe(1);
  });

  it('asks before closing when no tray icon can be seen, and quits when told to', async () => {
    const asked: string[] = [];
    makeWindow({
      trayVisible: false,
      askOnClose: async () => {
        asked.push('asked');
        return 'quit';
      },
    }).show();
    const [win] = FakeBrowserWindow.instances;
    win.close();
    win.close(); // a second close while the question is open asks nothing more
    await vi.waitFor(() => expect(closedForGood).toBe(1));
    expect(asked).toEqual(['asked']);
  });

  it('hides the window and leaves a notification when the user keeps the endpoint running', async () => {
    let kept = 0;
    const w = makeWindow({
      trayVisible: false,
      askOnClose: async () => 'keep',
      onKeptRunning: () => kept++,
    });
    w.show();
    const win = FakeBrowserWindow.instances[0];
    win.close();
    await vi.waitFor(() => expect(kept).toBe(1));
    expect(win.visible).toBe(false);
    expect(win.destroyed).toBe(false);
    expect(closedForGood).toBe(0);
  });

  it('does nothing when the user cancels the question', async () => {
    let asked = 0;
    makeWindow({
      trayVisible: false,
      askOnClose: async () => {
        asked++;
        return 'cancel';
      },
    }).show();
    const [win] = FakeBrowserWindow.instances;
    win.close();
    await vi.waitFor(() => expect(asked).toBe(1));
    expect(win.visible).toBe(true);
    expect(closedForGood).toBe(0);
  });

  it('leaves fullscreen before hiding on macOS, so no black Space is left behind', async () => {
    makeWindow({ platform: 'darwin' }).show();
    const [win] = FakeBrowserWindow.instances;
    win.fullScreen = true;
    win.close();
    // still visible until the asynchronous fullscreen exit has ended
    expect(win.visible).toBe(true);
    await vi.waitFor(() => expect(win.visible).toBe(false));
    expect(win.fullScreen).toBe(false);
    expect(win.destroyed).toBe(false);
  });

  it('closes without asking anything once quitting has started', () => {
    const w = makeWindow();
    w.show();
    quitting = true;
    FakeBrowserWindow.instances[0].close();
    expect(FakeBrowserWindow.instances[0].destroyed).toBe(true);
    expect(closedForGood).toBe(0);
    expect(w.window).toBeNull();
  });

  it('remembers its bounds and reopens where it was', () => {
    const w = makeWindow();
    w.show();
    const [win] = FakeBrowserWindow.instances;
    win.bounds = { x: 200, y: 150, width: 1100, height: 760 };
    quitting = true;
    win.close();
    expect(prefs.get().windowBounds).toEqual({ x: 200, y: 150, width: 1100, height: 760 });
    makeWindow().show();
    expect(FakeBrowserWindow.instances[1].options).toMatchObject({
      x: 200,
      y: 150,
      width: 1100,
      height: 760,
    });
  });

  it('restores and focuses a minimized window when shown', () => {
    const w = makeWindow();
    w.show();
    const [win] = FakeBrowserWindow.instances;
    win.minimize();
    w.show();
    expect(win.minimized).toBe(false);
    expect(win.focusCount).toBe(2);
  });
});

describe('session hardening', () => {
  it('denies every permission request and check but the clipboard write', () => {
    hardenSession(session.defaultSession as never, SERVER);
    const answers: boolean[] = [];
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read']) {
      session.defaultSession.permissionRequestHandler?.({}, p, (ok) => answers.push(ok), {
        requestingUrl: `${SERVER}/`,
      });
    }
    expect(answers).toEqual([false, false, false, false, false]);
    expect(session.defaultSession.permissionCheckHandler?.({}, 'media', SERVER, {})).toBe(false);
  });

  it("lets the dashboard's Copy buttons write to the clipboard, and nothing else", () => {
    hardenSession(session.defaultSession as never, SERVER);
    const request = (url: string) => {
      let answer: boolean | null = null;
      session.defaultSession.permissionRequestHandler?.(
        {},
        'clipboard-sanitized-write',
        (ok) => (answer = ok),
        { requestingUrl: url },
      );
      return answer;
    };
    expect(request(`${SERVER}/instances`)).toBe(true);
    expect(request('https://evil.test/')).toBe(false);
    expect(request(`${SERVER}/llama-cpp/qwen/`)).toBe(false);
    const check = session.defaultSession.permissionCheckHandler!;
    expect(check({}, 'clipboard-sanitized-write', SERVER, { requestingUrl: `${SERVER}/` })).toBe(
      true,
    );
    expect(check({}, 'clipboard-sanitized-write', 'http://127.0.0.1:9999', {})).toBe(false);
    expect(check({}, 'clipboard-read', SERVER, { requestingUrl: `${SERVER}/` })).toBe(false);
  });

  it("puts the Content-Security-Policy on the app origin's responses, replacing the server's", () => {
    hardenSession(session.defaultSession as never, SERVER);
    expect(session.defaultSession.headersFilter).toEqual({ urls: [`${SERVER}/*`] });
    let out: any;
    session.defaultSession.headersListener?.(
      {
        url: `${SERVER}/`,
        responseHeaders: {
          'content-security-policy': ['default-src *'],
          'Content-Type': ['text/html'],
        },
      },
      (r) => (out = r),
    );
    expect(out.responseHeaders).toEqual({
      'Content-Type': ['text/html'],
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
    });
  });

  it('allows no inline or remote scripts and no framing', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src[^;]*unsafe/);
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(withContentSecurityPolicy(undefined)).toEqual({
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
    });
  });
});

describe('inline script hashes', () => {
  it("allows exactly the dashboard page's inline scripts by their SHA-256", () => {
    const html = `<head><script>alert('Hello, world.');</script><script type="module" src="./a.js"></script></head>`;
    // the example from the CSP specification
    expect(inlineScriptHashes(html)).toEqual([
      "'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='",
    ]);
    const policy = contentSecurityPolicy(inlineScriptHashes(html));
    expect(policy).toContain(
      "script-src 'self' 'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='",
    );
    expect(policy).not.toMatch(/script-src[^;]*unsafe/);
  });

  it('hashes the text the browser sees: CRLF line ends count as LF', () => {
    expect(inlineScriptHashes('<script>a\r\nb</script>')).toEqual(
      inlineScriptHashes('<script>a\nb</script>'),
    );
  });

  it('keeps the plain policy when the page has no inline script', () => {
    expect(contentSecurityPolicy(inlineScriptHashes('<script src="x.js"></script>'))).toBe(
      CONTENT_SECURITY_POLICY,
    );
  });
});
