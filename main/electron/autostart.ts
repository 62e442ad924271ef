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

/**
 * One argument of an Exec key, per the Desktop Entry spec ("The Exec key"):
 * - a literal % is written %% (otherwise it starts a field code such as %U);
 * - an argument with a reserved character (space, tab, newline, " ' \ > < ~ | & ; $ * ? # ( ) `)
 *   is double-quoted, and inside the quotes " ` $ \ are escaped with a backslash;
 * - then the value is escaped as any string value (\ -> \\, newline -> \n, ...), because readers
 *   apply that unescaping before the quoting rule: a literal $ in a quoted argument ends up as
 *   \\$ in the file, a literal backslash as four.
 */
export function quoteExecArg(arg: string): string {
  const field = arg.replace(/%/g, '%%');
  const quoted = /[\s"'\\><~|&;$*?#()`]/.test(field)
    ? `"${field.replace(/["`$\\]/g, (c) => `\\${c}`)}"`
    : field;
  return quoted.replace(/[\\\n\t\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\t' ? '\\t' : '\\r',
  );
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

/**
 * The real state of the macOS login item (app.getLoginItemSettings(): `status` is
 * 'not-registered', 'enabled', 'requires-approval' or 'not-found' on macOS 13+, docs/api/app.md),
 * rather than what the app last asked for: the user can remove or disable it in System
 * Settings, and a new login item waits for their approval there.
 */
export function macLoginItemState(s: { openAtLogin: boolean; status?: string }): {
  enabled: boolean;
  needsApproval: boolean;
} {
  if (s.status === undefined) return { enabled: s.openAtLogin, needsApproval: false };
  return { enabled: s.status === 'enabled', needsApproval: s.status === 'requires-approval' };
}

/** System Settings > General > Login Items (macOS 13+). */
export const MAC_LOGIN_ITEMS_SETTINGS_URL =
  'x-apple.systempreferences:com.apple.LoginItems-Settings.extension';
