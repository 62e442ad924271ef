import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  desktopPath,
  needsLoginShellPath,
  pathFromEnvOutput,
  readLoginShellPath,
  withoutAppImageEntries,
} from './environment';

describe('withoutAppImageEntries', () => {
  // What electron-builder's AppRun exports before it starts the app.
  const appImage = {
    APPIMAGE: '/home/u/Apps/llamactl-desktop.AppImage',
    APPDIR: '/tmp/.mount_llamacXYZ',
    PATH: '/tmp/.mount_llamacXYZ:/tmp/.mount_llamacXYZ/usr/sbin:/usr/local/bin:/usr/bin',
    LD_LIBRARY_PATH: '/tmp/.mount_llamacXYZ/usr/lib',
    XDG_DATA_DIRS:
      '/tmp/.mount_llamacXYZ/usr/share/::/usr/share/gnome:/usr/local/share/:/usr/share/',
    GSETTINGS_SCHEMA_DIR: '/tmp/.mount_llamacXYZ/usr/share/glib-2.0/schemas',
    HOME: '/home/u',
  };

  it("removes the AppImage's own folders and keeps the user's entries in order", () => {
    const env = withoutAppImageEntries(appImage);
    expect(env.PATH).toBe('/usr/local/bin:/usr/bin');
    expect(env.XDG_DATA_DIRS).toBe('/usr/share/gnome:/usr/local/share/:/usr/share/');
    expect(env.HOME).toBe('/home/u');
  });

  it('drops a variable the launcher created from nothing', () => {
    const env = withoutAppImageEntries(appImage);
    expect('LD_LIBRARY_PATH' in env).toBe(false);
    expect('GSETTINGS_SCHEMA_DIR' in env).toBe(false);
  });

  it("keeps a user's LD_LIBRARY_PATH that was there before the launcher", () => {
    const env = withoutAppImageEntries({
      ...appImage,
      LD_LIBRARY_PATH: '/tmp/.mount_llamacXYZ/usr/lib:/opt/cuda/lib64',
    });
    expect(env.LD_LIBRARY_PATH).toBe('/opt/cuda/lib64');
  });

  it('does not treat a folder that merely starts with the same characters as inside the AppImage', () => {
    const env = withoutAppImageEntries({ ...appImage, PATH: '/tmp/.mount_llamacXYZ-other/bin' });
    expect(env.PATH).toBe('/tmp/.mount_llamacXYZ-other/bin');
  });

  it('leaves the environment of a deb or unpackaged app untouched', () => {
    const env = { PATH: '/usr/bin', LD_LIBRARY_PATH: '/opt/x', APPDIR: '/somewhere' };
    expect(withoutAppImageEntries(env)).toEqual(env);
  });
});

describe('desktopPath', () => {
  it("puts the login shell's PATH first, then the inherited one, then Homebrew and user folders", () => {
    expect(
      desktopPath({
        inherited: '/usr/bin:/bin:/usr/sbin:/sbin',
        loginShell: '/Users/u/.pyenv/shims:/opt/homebrew/bin:/usr/bin:/bin',
        platform: 'darwin',
        home: '/Users/u',
      }).split(':'),
    ).toEqual([
      '/Users/u/.pyenv/shims',
      '/opt/homebrew/bin',
      '/usr/bin',
      '/bin',
      '/usr/sbin',
      '/sbin',
      '/opt/homebrew/sbin',
      '/usr/local/bin',
      '/Users/u/.local/bin',
      '/Users/u/bin',
    ]);
  });

  it('still finds Homebrew and ~/.local/bin when the login shell could not be read', () => {
    const path = desktopPath({
      inherited: '/usr/bin:/bin',
      loginShell: null,
      platform: 'darwin',
      home: '/Users/u',
    }).split(':');
    expect(path).toContain('/opt/homebrew/bin');
    expect(path).toContain('/Users/u/.local/bin');
  });

  it('drops relative and empty entries, which would make lookups depend on the launch folder', () => {
    expect(
      desktopPath({ inherited: '.::bin:/usr/bin', loginShell: '', platform: 'linux', home: '/h' }),
    ).toBe('/usr/bin:/usr/local/bin:/home/linuxbrew/.linuxbrew/bin:/h/.local/bin:/h/bin');
  });
});

describe('needsLoginShellPath', () => {
  it.each([
    [{ isPackaged: true, platform: 'darwin', stdinIsTTY: false }, true],
    [{ isPackaged: true, platform: 'linux', stdinIsTTY: true }, true],
    [{ isPackaged: false, platform: 'linux', stdinIsTTY: false }, true],
    [{ isPackaged: false, platform: 'darwin', stdinIsTTY: true }, false],
    [{ isPackaged: true, platform: 'win32', stdinIsTTY: false }, false],
  ] as const)('%o -> %s', (input, expected) => {
    expect(needsLoginShellPath(input)).toBe(expected);
  });
});

describe('pathFromEnvOutput', () => {
  it('reads PATH between the markers and ignores what rc files print around them', () => {
    const out =
      'Welcome!\nPATH=/fake\n__LLAMACTL_ENV__HOME=/h\nPATH=/a:/b\nX=PATH=/no\n__LLAMACTL_ENV__bye\n';
    expect(pathFromEnvOutput(out)).toBe('/a:/b');
  });

  it('gives null when the output was cut before the closing marker', () => {
    expect(pathFromEnvOutput('__LLAMACTL_ENV__PATH=/a')).toBeNull();
  });
});

describe('readLoginShellPath with real shells', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'llamactl-shell-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function shell(name: string, body: string): string {
    const file = join(dir, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
    return file;
  }

  it("returns the PATH the user's rc files set up, despite their chatter on stdout", async () => {
    // Stands in for zsh/bash: rc output, a PATH change, then the command given with -ilc.
    const sh = shell(
      'fake-zsh',
      'echo "Last login: today"\nPATH=/opt/from-rc/bin:$PATH; export PATH\nexec /bin/sh -c "$2"',
    );
    const path = await readLoginShellPath({
      shell: sh,
      env: { PATH: '/usr/bin:/bin' },
      timeoutMs: 5000,
    });
    expect(path).toBe('/opt/from-rc/bin:/usr/bin:/bin');
  });

  it('gives up after the timeout when an rc file hangs, so the app still starts', async () => {
    const sh = shell('hanging-shell', 'exec sleep 30');
    await expect(
      readLoginShellPath({ shell: sh, env: { PATH: '/usr/bin:/bin' }, timeoutMs: 200 }),
    ).resolves.toBeNull();
  });

  it('gives null without a usable $SHELL', async () => {
    await expect(
      readLoginShellPath({ shell: undefined, env: {}, timeoutMs: 1000 }),
    ).resolves.toBeNull();
    await expect(
      readLoginShellPath({ shell: join(dir, 'missing'), env: {}, timeoutMs: 1000 }),
    ).resolves.toBeNull();
  });

  it('works with the real /bin/sh as a login shell', async () => {
    const path = await readLoginShellPath({
      shell: '/bin/sh',
      env: { PATH: '/usr/bin:/bin', HOME: dir },
      timeoutMs: 5000,
    });
    expect(path?.split(':')).toContain('/usr/bin');
  });
});
