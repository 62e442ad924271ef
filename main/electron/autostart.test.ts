import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  linuxAutostartEntry,
  linuxAutostartPath,
  macLoginItemState,
  quoteExecArg,
  setLinuxAutostart,
} from './autostart';

/**
 * A reader of Exec values as the Desktop Entry spec describes it: string unescaping first
 * (\s \n \t \r \\), then splitting into arguments with double quotes in which \ escapes
 * " ` $ \, then %% -> %. What GLib's g_desktop_app_info does with the line.
 */
function readExec(value: string): string[] {
  const unescaped = value.replace(/\\([sntr\\])/g, (_m, c: string) =>
    c === 's' ? ' ' : c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : '\\',
  );
  const args: string[] = [];
  let cur = '';
  let inQuotes = false;
  let started = false;
  for (let i = 0; i < unescaped.length; i++) {
    const c = unescaped[i]!;
    if (inQuotes) {
      if (c === '\\' && '"`$\\'.includes(unescaped[i + 1] ?? '')) cur += unescaped[++i];
      else if (c === '"') inQuotes = false;
      else cur += c;
    } else if (c === '"') {
      inQuotes = true;
      started = true;
    } else if (c === ' ') {
      if (started) args.push(cur);
      cur = '';
      started = false;
    } else {
      cur += c;
      started = true;
    }
  }
  if (started) args.push(cur);
  return args.map((a) => a.replace(/%%/g, '%'));
}

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'llamactl-autostart-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('Linux start at login', () => {
  it('puts the entry in $XDG_CONFIG_HOME/autostart, or ~/.config/autostart', () => {
    expect(linuxAutostartPath({ XDG_CONFIG_HOME: '/x/cfg' }, '/home/u')).toBe(
      '/x/cfg/autostart/llamactl-desktop.desktop',
    );
    expect(linuxAutostartPath({}, '/home/u')).toBe(
      '/home/u/.config/autostart/llamactl-desktop.desktop',
    );
    expect(linuxAutostartPath({ XDG_CONFIG_HOME: 'relative' }, '/home/u')).toBe(
      '/home/u/.config/autostart/llamactl-desktop.desktop',
    );
  });

  it('quotes an executable path with spaces and shell specials as the Desktop Entry spec wants', () => {
    const entry = linuxAutostartEntry('/opt/Llamactl Desktop/llamactl-desktop', ['--hidden']);
    expect(entry).toContain('Exec="/opt/Llamactl Desktop/llamactl-desktop" --hidden\n');
    // the spec's own examples: a literal $ in a quoted argument is \\$, a backslash is \\\\
    expect(quoteExecArg('/a/$HOME')).toBe('"/a/\\\\$HOME"');
    expect(quoteExecArg('C:\\x')).toBe('"C:\\\\\\\\x"');
    expect(quoteExecArg('/apps/100%/llamactl')).toBe('/apps/100%%/llamactl');
  });

  it.each([
    '/opt/Llamactl Desktop/llamactl-desktop',
    '/home/u/My $Apps/`x`/a"b',
    '/home/u/back\\slash/100% done',
    "/home/u/it's (new) & <fast>; #1 ~ * ?",
    '/home/u/new\nline\ttab',
    '/plain/path-1.2_x+y=z:w',
  ])('writes %j so that a Desktop Entry reader gets it back unchanged', (path) => {
    const line = linuxAutostartEntry(path, ['--hidden'])
      .split('\n')
      .find((l) => l.startsWith('Exec='))!;
    expect(readExec(line.slice('Exec='.length))).toEqual([path, '--hidden']);
  });

  it('starts an AppImage through $APPIMAGE, hidden, and removes the entry when turned off', () => {
    const env = { APPIMAGE: '/home/u/Apps/Llamactl.AppImage' };
    const file = setLinuxAutostart(true, {
      env,
      home,
      execPath: '/tmp/.mount_x/llamactl-desktop',
      appArgs: ['/ignored'],
    });
    expect(readFileSync(file, 'utf8')).toMatch(
      /^Exec=\/home\/u\/Apps\/Llamactl\.AppImage --hidden$/m,
    );
    setLinuxAutostart(false, { env, home, execPath: '/x' });
    expect(existsSync(file)).toBe(false);
  });

  it('passes the app folder when run unpackaged with the Electron binary', () => {
    const file = setLinuxAutostart(true, {
      env: {},
      home,
      execPath: '/repo/node_modules/electron/dist/electron',
      appArgs: ['/repo'],
    });
    expect(readFileSync(file, 'utf8')).toMatch(
      /^Exec=\/repo\/node_modules\/electron\/dist\/electron \/repo --hidden$/m,
    );
  });
});

describe('macOS start at login', () => {
  it.each([
    [
      { openAtLogin: true, status: 'enabled' },
      { enabled: true, needsApproval: false },
    ],
    [
      { openAtLogin: false, status: 'requires-approval' },
      { enabled: false, needsApproval: true },
    ],
    [
      { openAtLogin: false, status: 'not-registered' },
      { enabled: false, needsApproval: false },
    ],
    [
      { openAtLogin: true, status: 'not-found' },
      { enabled: false, needsApproval: false },
    ],
    [{ openAtLogin: true }, { enabled: true, needsApproval: false }],
  ])('%o -> %o', (settings, state) => {
    expect(macLoginItemState(settings)).toEqual(state);
  });
});
