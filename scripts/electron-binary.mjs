// Decides whether `npm start` can run the desktop app, without ever triggering Electron's
// download: requiring the 'electron' package fetches the binary when it is missing, so this
// reads the same files its index.js reads (path.txt, dist/) instead.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Path of the Electron executable installed in node_modules, or null when there is none. */
export function findElectronBinary(root, env = process.env) {
  const pkg = join(root, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const exe = join(env.ELECTRON_OVERRIDE_DIST_PATH, relative || 'electron');
    return existsSync(exe) ? exe : null;
  }
  if (!relative) return null;
  const exe = join(pkg, 'dist', relative);
  return existsSync(exe) ? exe : null;
}

/** X11 or Wayland on Linux and the BSDs; macOS and Windows always have a display session. */
export function displayAvailable(platform = process.platform, env = process.env) {
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** Why the desktop app cannot start here (a sentence), or null when it can. */
export function headlessReason(root, platform = process.platform, env = process.env) {
  if (env.LLAMACTL_HEADLESS === '1') return 'LLAMACTL_HEADLESS=1 is set';
  if (!displayAvailable(platform, env))
    return 'no display is available (neither DISPLAY nor WAYLAND_DISPLAY is set)';
  if (!findElectronBinary(root, env)) {
    return 'the Electron binary is not installed (node_modules/electron/dist is missing; it is downloaded by `npm install` where the network allows it)';
  }
  return null;
}

/**
 * How the real-Electron smoke specs run here: on the display there is, under a virtual X
 * display (xvfb-run) when there is none but xvfb-run is installed, or not at all (with the
 * reason). `hasCommand` answers whether a program is on PATH.
 */
export function smokeTestPlan(root, platform = process.platform, env = process.env, hasCommand) {
  if (env.LLAMACTL_HEADLESS === '1') return { skip: 'LLAMACTL_HEADLESS=1 is set' };
  if (!findElectronBinary(root, env)) {
    return {
      skip: 'the Electron binary is not installed (node_modules/electron/dist is missing; `npm install` downloads it where the network allows)',
    };
  }
  if (displayAvailable(platform, env)) return { display: 'existing' };
  if (platform === 'linux' && hasCommand('xvfb-run')) return { display: 'xvfb' };
  return {
    skip: 'no display is available (neither DISPLAY nor WAYLAND_DISPLAY is set) and xvfb-run is not installed (apt-get install xvfb)',
  };
}
