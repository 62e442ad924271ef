import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DESKTOP_IPC } from '../../shared/desktop-bridge';
import { MODEL_FILE_DIALOG, registerIpcHandlers } from './ipc';
import { fakeDesktopServices, FAKE_MANAGEMENT_KEY } from './testing/fake-instances';

const APP = 'http://127.0.0.1:8080';

function setup() {
  const dataDir = mkdtempSync(join(tmpdir(), 'llamactl-ipc-'));
  const services = fakeDesktopServices([], dataDir);
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>();
  const opened: string[] = [];
  const paths: string[] = [];
  /** what the next open dialog answers: paths, or null for Cancel */
  const picks: Array<string[] | null> = [];
  const dialogs: Array<{ sender: unknown; options: unknown }> = [];
  const dispose = registerIpcHandlers(
    {
      handle: (ch: string, h: any) => void handlers.set(ch, h),
      removeHandler: (ch: string) => void handlers.delete(ch),
    } as never,
    {
      appOrigin: APP,
      services,
      openExternal: async (url) => void opened.push(url),
      openPath: async (p) => {
        paths.push(p);
        return '';
      },
      // Electron's contract (docs/api/dialog.md): { canceled, filePaths }, empty when cancelled
      showOpenDialog: async (sender, options) => {
        dialogs.push({ sender, options });
        const picked = picks.shift() ?? null;
        return picked ? { canceled: false, filePaths: picked } : { canceled: true, filePaths: [] };
      },
    },
  );
  const sender = { id: 1 };
  const call = (channel: string, frameUrl: string | null, ...args: unknown[]) =>
    handlers.get(channel)!(
      { sender, senderFrame: frameUrl === null ? null : { url: frameUrl, parent: null } },
      ...args,
    );
  return {
    services,
    handlers,
    opened,
    paths,
    picks,
    dialogs,
    sender,
    dispose,
    call,
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

describe('IPC handlers', () => {
  it('registers exactly one handler per bridge member', () => {
    const s = setup();
    expect([...s.handlers.keys()].sort()).toEqual(Object.values(DESKTOP_IPC).sort());
    s.dispose();
    expect(s.handlers.size).toBe(0);
    s.cleanup();
  });

  it('hands the management key to the dashboard', async () => {
    const s = setup();
    await expect(s.call(DESKTOP_IPC.managementKey, `${APP}/instances`)).resolves.toBe(
      FAKE_MANAGEMENT_KEY,
    );
    s.cleanup();
  });

  it.each([['https://evil.test/'], ['http://127.0.0.1:8081/'], ['file:///index.html'], [null]])(
    'refuses every request from a frame that is not the app (%s)',
    async (frame) => {
      const s = setup();
      for (const channel of Object.values(DESKTOP_IPC)) {
        await expect(s.call(channel, frame, 'https://example.test/')).rejects.toThrow(
          /not the llamactl dashboard/,
        );
      }
      expect(s.opened).toEqual([]);
      expect(s.paths).toEqual([]);
      expect(s.dialogs).toEqual([]);
      s.cleanup();
    },
  );

  it('refuses a sub-frame even of the app origin', async () => {
    const s = setup();
    const frame = { url: `${APP}/`, parent: { url: `${APP}/` } };
    for (const channel of Object.values(DESKTOP_IPC))
      await expect(
        s.handlers.get(channel)!({ sender: s.sender, senderFrame: frame }),
      ).rejects.toThrow(/not the llamactl dashboard/);
    expect(s.dialogs).toEqual([]);
    s.cleanup();
  });

  it('opens the model file dialog for the asking window and returns the chosen path', async () => {
    const s = setup();
    s.picks.push(['/models/qwen3-1.7b-q4_k_m.gguf']);
    await expect(s.call(DESKTOP_IPC.chooseModelFile, `${APP}/#/instances`)).resolves.toBe(
      '/models/qwen3-1.7b-q4_k_m.gguf',
    );
    expect(s.dialogs).toEqual([{ sender: s.sender, options: MODEL_FILE_DIALOG }]);
    expect(MODEL_FILE_DIALOG.properties).toEqual(['openFile']);
    expect(MODEL_FILE_DIALOG.filters).toEqual([
      { name: 'GGUF models', extensions: ['gguf'] },
      { name: 'All files', extensions: ['*'] },
    ]);
    s.cleanup();
  });

  it('answers null when the file dialog is cancelled', async () => {
    const s = setup();
    await expect(s.call(DESKTOP_IPC.chooseModelFile, `${APP}/`)).resolves.toBeNull();
    expect(s.dialogs).toHaveLength(1);
    s.cleanup();
  });

  it('opens only http(s) links in the system browser', async () => {
    const s = setup();
    await s.call(DESKTOP_IPC.openExternal, APP, 'https://github.com/ggml-org/llama.cpp');
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 42]) {
      await expect(s.call(DESKTOP_IPC.openExternal, APP, bad)).rejects.toThrow(
        /only http and https/,
      );
    }
    expect(s.opened).toEqual(['https://github.com/ggml-org/llama.cpp']);
    s.cleanup();
  });

  it('reveals the data and logs folders of the configuration, creating them if needed', async () => {
    const s = setup();
    await s.call(DESKTOP_IPC.revealDataFolder, APP);
    await s.call(DESKTOP_IPC.revealLogsFolder, APP);
    expect(s.paths).toEqual([s.services.config.data_dir, s.services.config.instances.logs_dir]);
    expect(statSync(s.services.config.instances.logs_dir).isDirectory()).toBe(true);
    s.cleanup();
  });
});
