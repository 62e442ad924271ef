import Conf from 'conf';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  action,
  createInstance,
  getInstance,
  isAlive,
  modelFile,
  testPortRange,
} from '../instances/test-helpers';
import { startTestServer, type TestServer } from '../testing/test-server';
import { PreferencesService } from './preferences';
import { FakeTray, resetFakeElectron } from './testing/fake-electron';
import { TrayController } from './tray';

vi.mock('electron', () => import('./testing/fake-electron'));

// The tray against the real InstanceManager and real backend processes: a fake manager once hid
// that "Stop all" ran the shutdown path, which refuses every later start.
let s: TestServer;
let prefsDir: string;
let tray: TrayController;

beforeAll(async () => {
  s = await startTestServer({ config: { instances: { port_range: testPortRange(7) } } });
});
afterAll(async () => {
  tray?.destroy();
  await s?.close();
  rmSync(prefsDir, { recursive: true, force: true });
});

describe('the tray with the real instance manager', () => {
  it('"Stop all instances" leaves every instance stopped, stored as stopped, and startable again', async () => {
    resetFakeElectron();
    prefsDir = mkdtempSync(join(tmpdir(), 'llamactl-tray-int-'));
    tray = new TrayController({
      services: s.services,
      icons: { running: 'running.png', idle: 'idle.png' },
      endpointUrl: `${s.url}/v1`,
      prefs: new PreferencesService(
        new Conf({ cwd: prefsDir, configName: 'preferences', projectVersion: '0.0.0' }),
      ),
      openDashboard: () => {},
      copyText: () => {},
      setStartAtLogin: () => {},
      showLogs: () => {},
      quit: () => {},
    });
    for (const name of ['one', 'two']) {
      await createInstance(s, name, { backend_options: { model: modelFile(`${name}.gguf`) } });
      expect((await action(s, name, 'start')).status).toBe(200);
    }
    const pids = await Promise.all(['one', 'two'].map(async (n) => (await getInstance(s, n)).pid!));

    const item = FakeTray.instances[0]!.menu!.template.find((m: any) => m.id === 'stop-all');
    item.click();
    await vi.waitFor(
      async () => {
        for (const n of ['one', 'two']) expect((await getInstance(s, n)).status).toBe('stopped');
      },
      { timeout: 15_000 },
    );
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    const stored = s.services.db
      .prepare("SELECT name, status FROM instances WHERE name IN ('one', 'two') ORDER BY name")
      .all();
    expect(stored).toEqual([
      { name: 'one', status: 'stopped' },
      { name: 'two', status: 'stopped' },
    ]);

    // Starts work at once, through the API and on demand.
    expect((await action(s, 'one', 'start')).status).toBe(200);
    await s.services.instances.ensureReady('two');
    expect((await getInstance(s, 'two')).health).toBe('ready');
  });
});
