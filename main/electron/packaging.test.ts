import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  AppInfo,
  Arch,
  LinuxPackager,
  MacPackager,
  Packager,
  Platform,
  type Configuration,
  type Target,
} from 'electron-builder';
import { parse } from 'yaml';
import { trayIconFiles } from './tray-menu';

const root = resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/**
 * electron-builder's own reading of the project, offline: the merged configuration
 * (electron-builder.yml + package.json), checked against its JSON schema, and the Linux and macOS
 * targets it would build. This is what `npm run package -- --linux deb --dir` evaluates before
 * it downloads Electron, so a configuration this test accepts gets past those checks.
 */
async function loadBuilder() {
  const packager = new Packager({
    projectDir: root,
    config: 'electron-builder.yml',
    targets: Platform.LINUX.createTarget(['deb', 'AppImage'], Arch.x64),
  });
  await packager.validateConfig();
  // build() creates the AppInfo right after validateConfig(); nothing here builds.
  packager._appInfo = new AppInfo(packager, null);
  const targets = (platform: LinuxPackager | MacPackager, names: string[]) => {
    const out = new Map<string, Target>();
    platform.createTargets(names, (name, factory) => out.set(name, factory('/nonexistent')));
    return out;
  };
  return { packager, config: packager.config as Configuration, targets };
}

/**
 * The desktop file name Electron gives its windows on Linux (lib/browser/init.ts:
 * app.setDesktopName(packageJson.desktopName || defaultDesktopName(app.name)), and
 * lib/browser/desktop-name.ts); native_window_views.cc uses it without ".desktop" as WM_CLASS
 * and as the Wayland app_id.
 */
function electronXdgAppId(p: { desktopName?: string; productName?: string; name: string }) {
  const name =
    p.desktopName ??
    `${(p.productName ?? p.name).toLowerCase().replace(/[^a-z0-9]+/g, '-')}.desktop`;
  return name.replace(/\.desktop$/, '');
}

// Loading electron-builder and its schema takes seconds on a busy machine.
vi.setConfig({ testTimeout: 60_000 });

describe('electron-builder configuration, as electron-builder merges and validates it', () => {
  it('passes the schema and has what the deb target requires: a maintainer with an email and a homepage', async () => {
    const { packager, targets } = await loadBuilder();
    const linux = new LinuxPackager(packager);
    const deb = targets(linux, ['deb']).get('deb')!;
    // FpmTarget.checkOptions throws "Please specify project homepage" / "author 'email'" otherwise.
    const meta = (await deb.checkOptions()) as unknown as { maintainer: string; url: string };
    expect(meta.maintainer).toMatch(/^.+ <[^<>\s]+@[^<>\s]+>$/);
    expect(meta.url).toBe(pkg.homepage);
  });

  it('names the .desktop file and StartupWMClass after the window class Electron sets, without --no-sandbox', async () => {
    const { packager, targets } = await loadBuilder();
    const linux = new LinuxPackager(packager);
    const appId = electronXdgAppId(pkg);
    expect(appId).toBe('llamactl-desktop');
    const built = targets(linux, ['deb', 'appimage']);

    const deb = built.get('deb') as unknown as {
      helper: {
        getDesktopFileName(): string;
        computeDesktopEntry(o: unknown, exec?: string): Promise<string>;
      };
      options: unknown;
    };
    expect(deb.helper.getDesktopFileName()).toBe(appId);
    const debEntry = await deb.helper.computeDesktopEntry(deb.options);
    expect(debEntry).toContain(`StartupWMClass=${appId}\n`);
    expect(debEntry).not.toContain('--no-sandbox');

    const appImage = built.get('appimage') as unknown as {
      desktopEntry: { value: Promise<string> };
    };
    const appImageEntry = await appImage.desktopEntry.value;
    expect(appImageEntry).toContain(`StartupWMClass=${appId}\n`);
    // The legacy toolset (0.0.0) writes --no-sandbox into Exec; 1.0.3 only adds it at run time
    // where user namespaces are unavailable.
    expect(appImageEntry).toMatch(/^Exec=AppRun %U$/m);
  });

  it('keeps spaces out of every artifact name and follows Debian naming for the deb', async () => {
    const { packager, targets } = await loadBuilder();
    const linux = new LinuxPackager(packager);
    const names: string[] = [];
    for (const [name, target] of targets(linux, ['deb', 'appimage'])) {
      const opts = (target as unknown as { options: object }).options;
      const ext = name === 'appimage' ? 'AppImage' : name;
      names.push(
        name === 'deb'
          ? linux.expandArtifactNamePattern(opts, ext, Arch.x64, undefined, false)
          : linux.expandArtifactNamePattern(opts, ext, Arch.x64),
      );
    }
    const mac = new MacPackager(packager);
    for (const ext of ['dmg', 'zip'])
      names.push(mac.expandArtifactNamePattern(packager.config.dmg, ext, Arch.arm64));
    expect(names).toEqual([
      'llamactl-desktop_0.1.0_amd64.deb',
      'llamactl-desktop-0.1.0-x86_64.AppImage',
      'llamactl-desktop-0.1.0-arm64.dmg',
      'llamactl-desktop-0.1.0-arm64.zip',
    ]);
    for (const n of names) expect(n).not.toMatch(/\s/);
  });

  it('flips the Electron fuses that keep the packaged app from being run as something else', async () => {
    const { config } = await loadBuilder();
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
    });
  });

  it('builds AppImages with the toolset that needs no libfuse2 and keeps the sandbox', async () => {
    const { config } = await loadBuilder();
    expect(config.toolsets?.appimage).toBe('1.0.3');
  });

  it('declares why the macOS app uses the local network (macOS 15 denies it silently otherwise)', async () => {
    const { config } = await loadBuilder();
    const text = config.mac?.extendInfo?.NSLocalNetworkUsageDescription;
    expect(typeof text).toBe('string');
    expect(text).toMatch(/local network/);
  });
});

describe('electron-builder.yml', () => {
  const builder = parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8'));

  it('builds dmg and zip for Apple silicon and Intel with the hardened runtime and its entitlements', () => {
    expect(builder.mac.target).toEqual([
      { target: 'dmg', arch: ['arm64', 'x64'] },
      { target: 'zip', arch: ['arm64', 'x64'] },
    ]);
    expect(builder.mac.hardenedRuntime).toBe(true);
    const plist = readFileSync(join(root, builder.mac.entitlements), 'utf8');
    expect(plist).toContain('com.apple.security.cs.allow-jit');
  });

  it('builds an AppImage and a deb for Linux', () => {
    expect(builder.linux.target).toEqual(['AppImage', 'deb']);
  });

  it('ships the bundles, the dashboard and the assets in the asar, with native modules unpacked', () => {
    expect(builder.asar).toBe(true);
    expect(builder.files).toEqual(
      expect.arrayContaining(['package.json', 'dist/**/*', 'assets/**/*']),
    );
    expect(builder.asarUnpack).toContain('**/*.node');
    // Node-API addons need no rebuild for Electron's ABI.
    expect(builder.npmRebuild).toBe(false);
    expect(pkg.main).toBe('dist/electron/index.js');
    expect(pkg.dependencies['libsql']).toBeDefined();
    expect(pkg.dependencies['better-sqlite3']).toBeUndefined();
  });

  it('points at icon files that exist, in every size Linux asks for', () => {
    expect(existsSync(join(root, builder.mac.icon))).toBe(true);
    for (const size of [16, 32, 48, 64, 128, 256, 512]) {
      expect(existsSync(join(root, builder.linux.icon, `${size}x${size}.png`))).toBe(true);
    }
    expect(existsSync(join(root, 'assets', 'icon.png'))).toBe(true);
  });

  it('has the tray icons the app loads on each platform, with retina variants for macOS', () => {
    for (const platform of ['darwin', 'linux'] as const) {
      for (const file of Object.values(trayIconFiles(platform)))
        expect(existsSync(join(root, 'assets', file))).toBe(true);
    }
    for (const file of Object.values(trayIconFiles('darwin'))) {
      expect(existsSync(join(root, 'assets', file.replace('.png', '@2x.png')))).toBe(true);
    }
  });

  it('keeps the product name of package.json, so the preferences folder does not move', () => {
    expect(builder.productName).toBe(pkg.productName);
  });
});
