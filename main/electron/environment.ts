import { execFile } from 'node:child_process';
import { delimiter, join } from 'node:path';

/**
 * The environment the desktop app hands to its backends. Two things differ from a terminal:
 *
 * - An app opened from the Finder, the Dock or at login gets launchd's minimal
 *   `PATH=/usr/bin:/bin:/usr/sbin:/sbin` (Electron issues 9047, 4394), and Linux launchers do
 *   not read shell rc files either, so `llama-server`, `vllm`, `mlx_lm.server` or `docker` by
 *   bare name are not found. The login shell's PATH is read once at start (as the `shell-env`
 *   and `fix-path` packages do: `$SHELL -ilc env`, with a timeout), and the usual Homebrew and
 *   per-user folders are added.
 * - An AppImage's launcher (electron-builder's AppRun) prepends `$APPDIR`, `$APPDIR/usr/sbin`,
 *   `$APPDIR/usr/lib`, `$APPDIR/usr/share/` and its GSettings schemas to `PATH`,
 *   `LD_LIBRARY_PATH`, `XDG_DATA_DIRS` and `GSETTINGS_SCHEMA_DIR`; a backend must not load the
 *   AppImage's libraries, so those entries are removed again.
 */

/** Variables the AppImage launcher extends with folders inside its mount point. */
export const APPIMAGE_LIST_VARIABLES = [
  'PATH',
  'LD_LIBRARY_PATH',
  'XDG_DATA_DIRS',
  'GSETTINGS_SCHEMA_DIR',
] as const;

/**
 * Removes the entries under the AppImage's mount point ($APPDIR) from the list variables its
 * launcher extended; a variable left empty is removed. Without $APPIMAGE/$APPDIR (not an
 * AppImage) the environment is returned unchanged.
 */
export function withoutAppImageEntries(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const appDir = env.APPIMAGE && env.APPDIR ? env.APPDIR.replace(/\/+$/, '') : '';
  if (!appDir) return { ...env };
  const inside = (entry: string) => entry === appDir || entry.startsWith(appDir + '/');
  const out = { ...env };
  for (const name of APPIMAGE_LIST_VARIABLES) {
    const value = out[name];
    if (value === undefined) continue;
    const kept = value.split(':').filter((e) => e !== '' && !inside(e));
    if (kept.length) out[name] = kept.join(':');
    else delete out[name];
  }
  return out;
}

/**
 * Folders where backends are commonly installed but that a GUI launch does not have on PATH:
 * Homebrew (Apple silicon and Intel; Linuxbrew), and per-user installs (pipx/uv put vllm and
 * mlx_lm.server in ~/.local/bin).
 */
export function extraPathFolders(platform: NodeJS.Platform, home: string): string[] {
  const user = [join(home, '.local', 'bin'), join(home, 'bin')];
  if (platform === 'darwin')
    return ['/opt/homebrew/bin', '/opt/homebrew/sbin', '/usr/local/bin', ...user];
  if (platform === 'linux') return ['/usr/local/bin', '/home/linuxbrew/.linuxbrew/bin', ...user];
  return user;
}

/**
 * The PATH for backends: the login shell's entries first (what the user gets in a terminal),
 * then the inherited ones, then the usual extra folders; duplicates and empty entries dropped.
 */
export function desktopPath(o: {
  inherited: string | undefined;
  loginShell: string | null;
  platform: NodeJS.Platform;
  home: string;
}): string {
  const all = [
    ...(o.loginShell ?? '').split(delimiter),
    ...(o.inherited ?? '').split(delimiter),
    ...extraPathFolders(o.platform, o.home),
  ];
  return [...new Set(all.filter((e) => e.startsWith('/')))].join(delimiter);
}

/**
 * Whether PATH needs the login shell: a packaged app is started by the OS (Finder, Dock,
 * launcher, login), and so is an unpackaged one without a terminal; `npm start` from a
 * terminal already has the user's PATH.
 */
export function needsLoginShellPath(o: {
  isPackaged: boolean;
  platform: NodeJS.Platform;
  stdinIsTTY: boolean;
}): boolean {
  if (o.platform === 'win32') return false;
  return o.isPackaged || !o.stdinIsTTY;
}

const MARK = '__LLAMACTL_ENV__';

/** The PATH printed by `env` between the two markers, ignoring whatever rc files print around it. */
export function pathFromEnvOutput(stdout: string): string | null {
  const start = stdout.indexOf(MARK);
  const end = stdout.indexOf(MARK, start + MARK.length);
  if (start < 0 || end < 0) return null;
  for (const line of stdout.slice(start + MARK.length, end).split('\n')) {
    if (line.startsWith('PATH=')) return line.slice('PATH='.length) || null;
  }
  return null;
}

export interface LoginShellOptions {
  /** the user's shell, normally $SHELL */
  shell: string | undefined;
  env: NodeJS.ProcessEnv;
  /** an rc file that waits for input or hangs must not keep the app from starting */
  timeoutMs: number;
}

/**
 * The login shell's PATH (`$SHELL -ilc env`, interactive and login so that .zshrc, .bashrc,
 * .profile and friends all run), or null when there is no shell, it fails or it takes longer
 * than the timeout. `env` prints PATH colon-separated in every shell, fish included.
 */
export function readLoginShellPath(o: LoginShellOptions): Promise<string | null> {
  const shell = o.shell && o.shell.startsWith('/') ? o.shell : null;
  if (!shell) return Promise.resolve(null);
  return new Promise((resolve) => {
    const child = execFile(
      shell,
      ['-ilc', `printf '%s' ${MARK}; command env; printf '%s' ${MARK}; exit`],
      {
        // oh-my-zsh's updater prompts on start; an interactive shell must not wait for it.
        env: { ...o.env, DISABLE_AUTO_UPDATE: 'true' },
        timeout: o.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 1024 * 1024,
        encoding: 'utf8',
      },
      // A timeout or an rc file's error still leaves the markers out, and null follows.
      (_err, stdout) => resolve(pathFromEnvOutput(stdout ?? '')),
    );
    // An interactive shell that reads its standard input would wait forever.
    child.stdin?.end();
  });
}
