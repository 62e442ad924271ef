import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  displayAvailable,
  findElectronBinary,
  headlessReason,
  smokeTestPlan,
} from './electron-binary.mjs';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'llamactl-start-'));
  mkdirSync(join(root, 'node_modules', 'electron'), { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function installBinary() {
  writeFileSync(join(root, 'node_modules', 'electron', 'path.txt'), 'electron');
  mkdirSync(join(root, 'node_modules', 'electron', 'dist'));
  writeFileSync(join(root, 'node_modules', 'electron', 'dist', 'electron'), '');
}

describe('npm start launch decision', () => {
  it('finds no Electron binary when the package was installed without its download', () => {
    expect(findElectronBinary(root, {})).toBeNull();
    writeFileSync(join(root, 'node_modules', 'electron', 'path.txt'), 'electron');
    expect(findElectronBinary(root, {})).toBeNull();
  });

  it('finds the binary the electron package would run', () => {
    installBinary();
    expect(findElectronBinary(root, {})).toBe(
      join(root, 'node_modules', 'electron', 'dist', 'electron'),
    );
  });

  it('needs DISPLAY or WAYLAND_DISPLAY on Linux but not on macOS', () => {
    expect(displayAvailable('linux', {})).toBe(false);
    expect(displayAvailable('linux', { DISPLAY: ':0' })).toBe(true);
    expect(displayAvailable('linux', { WAYLAND_DISPLAY: 'wayland-0' })).toBe(true);
    expect(displayAvailable('darwin', {})).toBe(true);
  });

  it('names the reason for running headless, display first', () => {
    expect(headlessReason(root, 'linux', {})).toMatch(/no display is available/);
    expect(headlessReason(root, 'linux', { DISPLAY: ':0' })).toMatch(
      /Electron binary is not installed/,
    );
    installBinary();
    expect(headlessReason(root, 'linux', { DISPLAY: ':0' })).toBeNull();
    expect(headlessReason(root, 'linux', { DISPLAY: ':0', LLAMACTL_HEADLESS: '1' })).toMatch(
      /LLAMACTL_HEADLESS/,
    );
  });
});

describe('real-Electron smoke test plan', () => {
  const has = (names: string[]) => (n: string) => names.includes(n);

  it('skips, saying why, where there is no Electron binary (CI here)', () => {
    const plan = smokeTestPlan(root, 'linux', { DISPLAY: ':0' }, has(['xvfb-run']));
    expect(plan).toEqual({ skip: expect.stringContaining('Electron binary is not installed') });
  });

  it('uses the display there is', () => {
    installBinary();
    expect(smokeTestPlan(root, 'linux', { WAYLAND_DISPLAY: 'wayland-0' }, has([]))).toEqual({
      display: 'existing',
    });
    expect(smokeTestPlan(root, 'darwin', {}, has([]))).toEqual({ display: 'existing' });
  });

  it('runs under xvfb-run when the binary exists but there is no display', () => {
    installBinary();
    expect(smokeTestPlan(root, 'linux', {}, has(['xvfb-run']))).toEqual({ display: 'xvfb' });
  });

  it('skips, saying how to fix it, without a display and without xvfb-run', () => {
    installBinary();
    expect(smokeTestPlan(root, 'linux', {}, has([]))).toEqual({
      skip: expect.stringContaining('apt-get install xvfb'),
    });
  });
});
