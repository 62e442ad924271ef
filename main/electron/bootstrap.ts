import type { App, Dialog } from 'electron';

/**
 * Requests to show the window that arrive before the app has one: a second launch
 * ('second-instance') or a Dock click ('activate', macOS). The bootstrap registers both
 * listeners synchronously, so none is lost while the app's code loads and its server starts.
 */
export interface ShowRequests {
  /** Calls `listener` for every request from now on, and once now if any came before. */
  subscribe(listener: () => void): void;
}

export interface DesktopModule {
  runDesktop(early: ShowRequests): Promise<unknown>;
}

export interface BootstrapDeps {
  app: Pick<
    App,
    | 'setPath'
    | 'setAppLogsPath'
    | 'requestSingleInstanceLock'
    | 'quit'
    | 'exit'
    | 'whenReady'
    | 'on'
  >;
  dialog: Pick<Dialog, 'showErrorBox'>;
  env: NodeJS.ProcessEnv;
  /** import() of the app's code (a separate file, so that a failure to load it is caught here) */
  load(): Promise<DesktopModule>;
  stderr?: (text: string) => void;
}

/**
 * The desktop entry's first steps, all synchronous until the app's code is imported:
 *
 * 1. the profile folder (LLAMACTL_DESKTOP_USER_DATA) and the log folder, before anything reads them;
 * 2. the single-instance lock: a second launch leaves at once, and the first shows its window;
 * 3. import() of the app, with a catch: Electron does not quit on an exception in the main
 *    process (lib/browser/init.ts installs an uncaughtException handler that only shows a
 *    dialog, and an ESM entry's load failure is routed there), which would leave an invisible
 *    process holding the lock. A failure here shows the error and exits 1.
 *
 * Resolves with what happened, for tests; the real entry ignores it.
 */
export async function bootstrapDesktop(
  d: BootstrapDeps,
): Promise<'second-instance' | 'running' | 'failed'> {
  const stderr = d.stderr ?? ((text: string) => process.stderr.write(text));
  // A separate profile (preferences, single-instance lock, Chromium data): the Electron smoke
  // test uses it, and it runs a second, independent copy of the app.
  if (d.env.LLAMACTL_DESKTOP_USER_DATA) d.app.setPath('userData', d.env.LLAMACTL_DESKTOP_USER_DATA);
  // Without a path: ~/Library/Logs/<name> on macOS, <userData>/logs on Linux and Windows
  // (docs/api/app.md, setAppLogsPath); after userData, which the Linux default depends on.
  d.app.setAppLogsPath();

  // docs/api/app.md: "if (!gotTheLock) app.quit()" is the documented pattern; the first
  // instance receives 'second-instance'.
  if (!d.app.requestSingleInstanceLock()) {
    d.app.quit();
    return 'second-instance';
  }
  const requests = showRequests();
  d.app.on('second-instance', requests.push);
  d.app.on('activate', requests.push);

  try {
    const desktop = await d.load();
    await desktop.runDesktop(requests);
    return 'running';
  } catch (err) {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    stderr(`llamactl desktop: fatal: ${text}\n`);
    // Before 'ready' Linux prints the box to stderr only (docs/api/dialog.md, showErrorBox).
    await d.app.whenReady().catch(() => {});
    d.dialog.showErrorBox('Llamactl failed to start', text);
    d.app.exit(1);
    return 'failed';
  }
}

function showRequests(): ShowRequests & { push: () => void } {
  let pending = false;
  let listener: (() => void) | null = null;
  return {
    push: () => {
      if (listener) listener();
      else pending = true;
    },
    subscribe(l) {
      listener = l;
      if (pending) {
        pending = false;
        l();
      }
    },
  };
}
