import { getCurrentFuseWire, FuseV1Options } from '@electron/fuses';
import { listPackage } from '@electron/asar';
import { expect, test } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { desktopSkipReason, openDesktopDisplay, rootArgs, type DesktopDisplay } from './display';

/**
 * The packaged layout, as an installer would ship it: `electron-builder --dir` with the
 * Electron binary from node_modules (no download), then the packaged executable started as a
 * user would. It exercises what running from the source folder cannot: the ESM bundles inside
 * app.asar, the native database binding unpacked by asarUnpack, the icons in the archive and the
 * fuses flipped in the binary. Playwright's _electron cannot attach here (the inspect fuse is
 * off), so the app is checked over HTTP and through its files. Skipped, with the reason, where
 * there is no Electron binary (this machine and CI).
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const skipReason = desktopSkipReason(root);
if (skipReason) console.log(`[packaged smoke] skipped: ${skipReason}`);

const FUSE_ENABLED = 49; // FuseState.ENABLE in @electron/fuses ('1')
const FUSE_DISABLED = 48; // FuseState.DISABLE ('0')

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => res(port));
    });
  });
}

/** The packaged executable and its resources folder in electron-builder's --dir output. */
function packagedApp(out: string): { exe: string; resources: string } {
  if (process.platform === 'darwin') {
    const dir = readdirSync(out).find((d) => d.startsWith('mac'))!;
    const app = join(out, dir, 'Llamactl Desktop.app');
    return {
      exe: join(app, 'Contents', 'MacOS', 'Llamactl Desktop'),
      resources: join(app, 'Contents', 'Resources'),
    };
  }
  const dir = readdirSync(out).find((d) => d.startsWith('linux') && d.endsWith('unpacked'))!;
  return { exe: join(out, dir, 'llamactl-desktop'), resources: join(out, dir, 'resources') };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

test.describe('packaged desktop app', () => {
  test.skip(skipReason !== null, `Electron cannot run here: ${skipReason}`);
  test.setTimeout(10 * 60_000);

  let dir: string;
  let display: DesktopDisplay | null = null;
  let child: ChildProcess | null = null;

  test.beforeAll(async () => {
    display = await openDesktopDisplay(root);
  });
  test.afterAll(async () => {
    await display?.close();
  });
  test.beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'llamactl-packaged-'));
  });
  test.afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    child = null;
    rmSync(dir, { recursive: true, force: true });
  });

  test('builds with electron-builder --dir and serves the dashboard from the asar', async () => {
    expect(
      existsSync(join(root, 'dist', 'electron', 'index.js')),
      'run `npm run build` first',
    ).toBe(true);
    const out = join(dir, 'release');
    const electronPkg = JSON.parse(
      readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8'),
    );
    const build = spawnSync(
      'npx',
      [
        'electron-builder',
        '--dir',
        process.platform === 'darwin' ? '--mac' : '--linux',
        '--config',
        'electron-builder.yml',
        '--publish',
        'never',
        `-c.directories.output=${out}`,
        `-c.electronDist=${join(root, 'node_modules', 'electron', 'dist')}`,
        `-c.electronVersion=${electronPkg.version}`,
        // no signing identity on test machines
        '-c.mac.identity=null',
      ],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' },
      },
    );
    expect(build.status, build.stdout + build.stderr).toBe(0);

    const { exe, resources } = packagedApp(out);
    const asar = join(resources, 'app.asar');
    const inside = listPackage(asar, { isPack: false }).map((p) => p.replace(/\\/g, '/'));
    for (const file of [
      '/package.json',
      '/dist/electron/index.js',
      '/dist/electron/desktop.js',
      '/dist/preload/index.js',
      '/dist/renderer/index.html',
      '/assets/icon.png',
      '/assets/tray-idle.png',
    ])
      expect(inside).toContain(file);
    // The database binding is unpacked next to the archive: native code cannot load from it.
    const unpacked = filesUnder(join(resources, 'app.asar.unpacked'));
    expect(unpacked.some((f) => f.includes('libsql') && f.endsWith('.node'))).toBe(true);

    const fuses = (await getCurrentFuseWire(exe)) as unknown as Record<number, number>;
    expect(fuses[FuseV1Options.RunAsNode]).toBe(FUSE_DISABLED);
    expect(fuses[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FUSE_DISABLED);
    expect(fuses[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FUSE_DISABLED);
    expect(fuses[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FUSE_ENABLED);

    const port = await freePort();
    writeFileSync(
      join(dir, 'llamactl.yaml'),
      '# packaged smoke test: defaults plus the environment\n',
    );
    const profile = join(dir, 'profile');
    child = spawn(exe, rootArgs(), {
      env: {
        ...process.env,
        ...display!.env,
        LLAMACTL_CONFIG_PATH: join(dir, 'llamactl.yaml'),
        LLAMACTL_DATA_DIRECTORY: join(dir, 'data'),
        LLAMACTL_HOST: '127.0.0.1',
        LLAMACTL_PORT: String(port),
        LLAMACTL_DESKTOP_USER_DATA: profile,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    await expect
      .poll(
        async () => {
          try {
            const res = await fetch(`http://127.0.0.1:${port}/`);
            return res.status === 200 && (await res.text()).includes('<div id="root"');
          } catch {
            return false;
          }
        },
        { timeout: 60_000 },
      )
      .toBe(true);
    // The desktop log is written (on Linux inside the profile; macOS uses ~/Library/Logs).
    if (process.platform === 'linux')
      expect(existsSync(join(profile, 'logs', 'llamactl-desktop.log'))).toBe(true);

    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
