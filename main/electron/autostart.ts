import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Passed by the login item / autostart entry so a login launch starts in the tray. */
export const HIDDEN_ARG = '--hidden';

/** Where the XDG autostart entry lives ($XDG_CONFIG_HOME/autostart, default ~/.config). */
export function linuxAutostartPath(env: NodeJS.ProcessEnv, home: string): string {
  const base =
    env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/')
      ? env.XDG_CONFIG_HOME
      : join(home, '.config');
  return join(base, 'autostart', 'llamactl-desktop.desktop');
}

/** Desktop Entry quoting: arguments with spaces or specials are double-quoted, \ " ` $ escaped. */
function quoteExecArg(arg: string): string {
  if (/^[A-Za-z0-9_./:=+-]+$/.test(arg)) return arg;
  return `"${arg.replace(/[\\"`$]/g, (c) => `\\${c}`)}"`;
}

export function linuxAutostartEntry(exec: string, args: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Llamactl',
    'Comment=Control plane for local LLM servers',
    `Exec=${[exec, ...args].map(quoteExecArg).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/**
 * Electron's login items cover macOS and Windows only; on Linux the freedesktop autostart
 * entry is the standard. An AppImage must be started through $APPIMAGE, not the temporary
 * mount point its process runs from.
 */
export function setLinuxAutostart(
  on: boolean,
  opts: { env: NodeJS.ProcessEnv; home: string; execPath: string; appArgs?: readonly string[] },
): string {
  const file = linuxAutostartPath(opts.env, opts.home);
  if (!on) {
    rmSync(file, { force: true });
    return file;
  }
  mkdirSync(join(file, '..'), { recursive: true });
  const exec = opts.env.APPIMAGE || opts.execPath;
  writeFileSync(
    file,
    linuxAutostartEntry(exec, [...(opts.env.APPIMAGE ? [] : (opts.appArgs ?? [])), HIDDEN_ARG]),
  );
  return file;
}
