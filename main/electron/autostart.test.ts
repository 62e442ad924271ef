import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linuxAutostartEntry, linuxAutostartPath, setLinuxAutostart } from './autostart';

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
    expect(linuxAutostartEntry('/a/$HOME`x`', [])).toContain('Exec="/a/\\$HOME\\`x\\`"');
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
