import { mkdirSync } from 'node:fs';
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { DESKTOP_IPC } from '../../shared/desktop-bridge';
import type { DesktopServices } from './desktop-services';
import { externalLink, isDashboardUrl } from './trusted-url';

export interface IpcDeps {
  appOrigin: string;
  services: Pick<DesktopServices, 'config' | 'auth'>;
  openExternal(url: string): Promise<void>;
  /** resolves to an error message, '' on success (shell.openPath's contract) */
  openPath(path: string): Promise<string>;
}

/**
 * The handlers behind the preload's bridge, one per member. Each checks that the caller is a
 * frame of the app's origin: the management key must never reach a page that got into the
 * window some other way.
 */
export function registerIpcHandlers(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  deps: IpcDeps,
): () => void {
  const fromApp = (event: IpcMainInvokeEvent) => {
    const url = event.senderFrame?.url;
    if (!isDashboardUrl(url, deps.appOrigin))
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
  };
  for (const [channel, handler] of Object.entries(handlers)) ipcMain.handle(channel, handler);
  return () => {
    for (const channel of Object.keys(handlers)) ipcMain.removeHandler(channel);
  };
}
