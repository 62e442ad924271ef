import { mkdirSync } from 'node:fs';
import type {
  IpcMain,
  IpcMainInvokeEvent,
  OpenDialogOptions,
  OpenDialogReturnValue,
  WebContents,
} from 'electron';
import { DESKTOP_IPC } from '../../shared/desktop-bridge';
import type { DesktopServices } from './desktop-services';
import { externalLink, isDashboardUrl } from './trusted-url';

export interface IpcDeps {
  appOrigin: string;
  services: Pick<DesktopServices, 'config' | 'auth'>;
  openExternal(url: string): Promise<void>;
  /** resolves to an error message, '' on success (shell.openPath's contract) */
  openPath(path: string): Promise<string>;
  /** dialog.showOpenDialog, attached to the window of `sender` */
  showOpenDialog(sender: WebContents, options: OpenDialogOptions): Promise<OpenDialogReturnValue>;
}

/**
 * The model file picker: one file (`openFile` alone, so never a folder), GGUF first, any file
 * as the second filter (sharded or differently named models). docs/api/dialog.md: extensions
 * are written without dots or wildcards, and `'*'` alone is the one wildcard, meaning all files.
 */
export const MODEL_FILE_DIALOG = {
  title: 'Choose a model file',
  buttonLabel: 'Choose',
  properties: ['openFile'],
  filters: [
    { name: 'GGUF models', extensions: ['gguf'] },
    { name: 'All files', extensions: ['*'] },
  ],
} satisfies OpenDialogOptions;

/**
 * The handlers behind the preload's bridge, one per member. Each checks that the caller is a
 * frame of the app's origin: the management key must never reach a page that got into the
 * window some other way.
 */
export function registerIpcHandlers(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  deps: IpcDeps,
): () => void {
  // docs/api/structures/ipc-main-invoke-event.md: senderFrame is null once the frame navigated
  // or was destroyed (refused: nothing to check); docs/api/web-frame-main.md: `parent` is null
  // only for a top frame. The dashboard has no sub-frames (frame-src 'none'), so a sub-frame
  // calling, even of the app's origin, is refused too.
  const fromApp = (event: IpcMainInvokeEvent) => {
    const frame = event.senderFrame;
    if (!frame || frame.parent !== null || !isDashboardUrl(frame.url, deps.appOrigin))
      throw new Error('refused: the caller is not the llamactl dashboard');
  };
  const reveal = async (dir: string) => {
    mkdirSync(dir, { recursive: true });
    const error = await deps.openPath(dir);
    if (error) throw new Error(`could not open ${dir}: ${error}`);
  };

  const handlers: Record<
    string,
    (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>
  > = {
    [DESKTOP_IPC.managementKey]: async (event) => {
      fromApp(event);
      return deps.services.auth.managementKey();
    },
    [DESKTOP_IPC.openExternal]: async (event, url) => {
      fromApp(event);
      const link = externalLink(url);
      if (!link) throw new Error('openExternal: only http and https links can be opened');
      await deps.openExternal(link);
    },
    [DESKTOP_IPC.revealDataFolder]: async (event) => {
      fromApp(event);
      await reveal(deps.services.config.data_dir);
    },
    [DESKTOP_IPC.revealLogsFolder]: async (event) => {
      fromApp(event);
      await reveal(deps.services.config.instances.logs_dir);
    },
    [DESKTOP_IPC.chooseModelFile]: async (event) => {
      fromApp(event);
      // docs/api/dialog.md: resolves { canceled, filePaths }, filePaths empty when cancelled
      const result = await deps.showOpenDialog(event.sender, MODEL_FILE_DIALOG);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
  };
  for (const [channel, handler] of Object.entries(handlers)) ipcMain.handle(channel, handler);
  return () => {
    for (const channel of Object.keys(handlers)) ipcMain.removeHandler(channel);
  };
}
