import { contextBridge, ipcRenderer } from 'electron';
import { DESKTOP_IPC, readBridgeArguments, type DesktopBridge } from '../shared/desktop-bridge';

// Sandboxed preload: only these members reach the page, each a fixed channel. The page never
// sees ipcRenderer itself, so it cannot call any other handler.
const { serverUrl, version } = readBridgeArguments(process.argv);

const bridge = {
  serverUrl,
  version,
  managementKey: () => ipcRenderer.invoke(DESKTOP_IPC.managementKey) as Promise<string>,
  openExternal: async (url: string) => {
    await ipcRenderer.invoke(DESKTOP_IPC.openExternal, String(url));
  },
  revealDataFolder: async () => {
    await ipcRenderer.invoke(DESKTOP_IPC.revealDataFolder);
  },
  revealLogsFolder: async () => {
    await ipcRenderer.invoke(DESKTOP_IPC.revealLogsFolder);
  },
  chooseModelFile: () => ipcRenderer.invoke(DESKTOP_IPC.chooseModelFile) as Promise<string | null>,
} satisfies DesktopBridge;

contextBridge.exposeInMainWorld('llamactlDesktop', bridge);
