import { bridgeArguments, DESKTOP_IPC } from '../../shared/desktop-bridge';
import { contextBridge, ipcRenderer, resetFakeElectron } from './testing/fake-electron';

vi.mock('electron', () => import('./testing/fake-electron'));

describe('preload bridge', () => {
  // The preload runs once per page load: import it once, with the arguments the window passes.
  let saved: string[];
  beforeAll(async () => {
    resetFakeElectron();
    saved = process.argv;
    process.argv = [
      ...saved,
      ...bridgeArguments({ serverUrl: 'http://127.0.0.1:8080', version: '1.2.3' }),
    ];
    await import('../../preload/index');
  });
  afterAll(() => {
    process.argv = saved;
  });

  it('exposes exactly the seven documented members as window.llamactlDesktop', () => {
    expect(Object.keys(contextBridge.exposed)).toEqual(['llamactlDesktop']);
    const bridge = contextBridge.exposed.llamactlDesktop;
    expect(Object.keys(bridge).sort()).toEqual(
      [
        'chooseModelFile',
        'managementKey',
        'openExternal',
        'revealDataFolder',
        'revealLogsFolder',
        'serverUrl',
        'version',
      ].sort(),
    );
    expect(bridge.serverUrl).toBe('http://127.0.0.1:8080');
    expect(bridge.version).toBe('1.2.3');
  });

  it('calls one fixed channel per member and nothing else', async () => {
    const bridge = contextBridge.exposed.llamactlDesktop;
    await expect(bridge.managementKey()).resolves.toBe('key-from-main');
    await bridge.openExternal('https://example.test/');
    await bridge.revealDataFolder();
    await bridge.revealLogsFolder();
    await bridge.chooseModelFile();
    expect(ipcRenderer.invocations).toEqual([
      [DESKTOP_IPC.managementKey],
      [DESKTOP_IPC.openExternal, 'https://example.test/'],
      [DESKTOP_IPC.revealDataFolder],
      [DESKTOP_IPC.revealLogsFolder],
      [DESKTOP_IPC.chooseModelFile],
    ]);
  });
});
