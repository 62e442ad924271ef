import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { trayIconFiles } from './tray-menu';

const root = resolve(__dirname, '..', '..');
const builder = parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8'));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

describe('electron-builder.yml', () => {
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
