/**
 * The one global the desktop app's preload exposes to the dashboard (`window.llamactlDesktop`).
 * The preload builds its object with `satisfies DesktopBridge`, so the bridge and this
 * declaration cannot drift. In a plain browser (headless server) the global is absent.
 */
export interface DesktopBridge {
  /** origin of the local server the window was loaded from, e.g. http://127.0.0.1:8080 */
  serverUrl: string;
  /** the management key, handed over so the desktop user never has to sign in */
  managementKey(): Promise<string>;
  /** app version */
  version: string;
  /** opens an http(s) link in the system browser; other schemes are refused */
  openExternal(url: string): Promise<void>;
  /** opens the data folder (config data_dir) in the file manager */
  revealDataFolder(): Promise<void>;
  /** opens the instance logs folder in the file manager */
  revealLogsFolder(): Promise<void>;
  /**
   * the native open-file dialog for a model file (GGUF, or any file): the chosen path, or null
   * when the user cancelled
   */
  chooseModelFile(): Promise<string | null>;
}

declare global {
  interface Window {
    llamactlDesktop?: DesktopBridge;
  }
}

/** IPC channels between the preload and the main process; one per bridge method. */
export const DESKTOP_IPC = {
  managementKey: 'llamactl:management-key',
  openExternal: 'llamactl:open-external',
  revealDataFolder: 'llamactl:reveal-data-folder',
  revealLogsFolder: 'llamactl:reveal-logs-folder',
  chooseModelFile: 'llamactl:choose-model-file',
} as const;

/**
 * The synchronous members reach the sandboxed preload as extra renderer arguments
 * (`webPreferences.additionalArguments`), so the preload needs no synchronous IPC. The
 * management key never travels this way: process arguments are visible to other users.
 */
const ARG_PREFIX = { serverUrl: '--llamactl-server-url=', version: '--llamactl-version=' } as const;

export interface BridgeBootstrap {
  serverUrl: string;
  version: string;
}

export function bridgeArguments(b: BridgeBootstrap): string[] {
  return [ARG_PREFIX.serverUrl + b.serverUrl, ARG_PREFIX.version + b.version];
}

export function readBridgeArguments(argv: readonly string[]): BridgeBootstrap {
  const find = (prefix: string) =>
    argv.find((a) => a.startsWith(prefix))?.slice(prefix.length) ?? '';
  return { serverUrl: find(ARG_PREFIX.serverUrl), version: find(ARG_PREFIX.version) };
}
