import Conf from 'conf';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PreferencesService } from './preferences';
import { FakeNotification, FakeTray, resetFakeElectron } from './testing/fake-electron';
import { fakeDesktopServices, makeInstance } from './testing/fake-instances';
import { TrayController, type TrayDeps } from './tray';

vi.mock('electron', () => import('./testing/fake-electron'));

let dir: string;
let prefs: PreferencesService;
beforeEach(() => {
  resetFakeElectron();
  dir = mkdtempSync(join(tmpdir(), 'llamactl-tray-'));
  prefs = new PreferencesService(
    new Conf({ cwd: dir, configName: 'preferences', projectVersion: '0.0.0' }),
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function setup(
  instances = [makeInstance('alpha', 'running'), makeInstance('beta', 'stopped')],
  extra: Omit<Partial<TrayDeps>, 'services'> & {
    services?: ReturnType<typeof fakeDesktopServices>;
  } = {},
) {
  const services = extra.services ?? fakeDesktopServices(instances);
  const calls: string[] = [];
  const controller = new TrayController({
    icons: { running: '/assets/tray-running.png', idle: '/assets/tray-idle.png' },
    endpointUrl: 'http://127.0.0.1:8080/v1',
    prefs,
    openDashboard: () => calls.push('open'),
    copyText: (t) => calls.push(`copy ${t}`),
    setStartAtLogin: (on) => calls.push(`login ${on}`),
    showLogs: () => calls.push('logs'),
    quit: () => calls.push('quit'),
    platform: 'linux',
    ...extra,
    services,
  });
  const tray = FakeTray.instances[0];
  const item = (id: string) => tray.menu!.template.find((m: any) => m.id === id);
  const rows = () =>
    tray.menu!.template.filter((m: any) => m.id?.startsWith('instance:')).map((m: any) => m.label);
  return { services, calls, controller, tray, item, rows };
}

describe('TrayController', () => {
  it('builds the menu from the instance list and shows the running icon', () => {
    const { tray, rows } = setup();
    expect(rows()).toEqual(['alpha — ready', 'beta — stopped']);
    expect(tray.image).toBe('/assets/tray-running.png');
    expect(tray.tooltip).toBe('Llamactl: 1 of 2 instances running');
  });

  it('keeps the resource sampler running while a local instance runs and shows its totals in the tooltip', async () => {
    const held: string[] = [];
    const sampler = {
      acquire: () => {
        held.push('acquire');
        return () => held.push('release');
      },
    };
    const services = fakeDesktopServices([
      makeInstance('alpha', 'running'),
      makeInstance('beta', 'running'),
    ]);
    services.observability = { sampler };
    const { tray } = setup(undefined, { services });
    expect(held).toEqual(['acquire']);
    const sample = (rss: number, cpu: number | null) => ({
      rss_bytes: rss,
      cpu_percent: cpu,
      processes: 1,
      uptime_seconds: 5,
      listen_ports: [],
      gpu_memory_bytes: null,
      sampled_at: 0,
    });
    services.events.publish({
      type: 'resources',
      instances: { alpha: sample(1.2e9, 50), beta: sample(300e6, 12.4) },
    });
    expect(tray.tooltip).toBe('Llamactl: 2 of 2 instances running · 1.5 GB RAM · 62% CPU');

    services.instances.put(makeInstance('alpha', 'stopped'));
    services.instances.put(makeInstance('beta', 'stopped'));
    await vi.waitFor(() => expect(held).toEqual(['acquire', 'release']));
    expect(tray.tooltip).toBe('Llamactl: no instance running');
  });

  it('follows instance events: new, changed and deleted instances, and the icon', async () => {
    const { services, tray, rows } = setup();
    services.instances.put(makeInstance('gamma', 'stopped'), 'created');
    services.instances.put(makeInstance('alpha', 'stopped'));
    await vi.waitFor(() =>
      expect(rows()).toEqual(['alpha — stopped', 'beta — stopped', 'gamma — stopped']),
    );
    expect(tray.image).toBe('/assets/tray-idle.png');
    services.instances.put(makeInstance('beta', 'stopped'), 'deleted');
    await vi.waitFor(() => expect(rows()).toEqual(['alpha — stopped', 'gamma — stopped']));
  });

  it('lists and toggles instances on other nodes through the directory when the server has one', async () => {
    const { services, controller, rows } = setup();
    const remote = makeInstance('on-gpu', 'running', { node: 'gpu' });
    const calls: string[] = [];
    services.directory = {
      list: () => [...services.instances.list(), remote],
      start: async (name) => (calls.push(`start ${name}`), remote),
      stop: async (name) => (calls.push(`stop ${name}`), remote),
    };
    controller.refresh();
    expect(rows()).toContain('alpha — ready');
    expect(rows().some((r: string) => r.startsWith('on-gpu'))).toBe(true);
    await controller.toggle('on-gpu', 'stop');
    expect(calls).toEqual(['stop on-gpu']);
    expect(services.instances.calls).toEqual([]);
  });

  it('starts and stops instances through the instance manager from the menu', async () => {
    const { services, item, rows } = setup();
    item('instance:beta').click();
    await vi.waitFor(() => expect(rows()).toEqual(['alpha — ready', 'beta — ready']));
    item('instance:alpha').click();
    await vi.waitFor(() => expect(rows()).toEqual(['alpha — stopped', 'beta — ready']));
    expect(services.instances.calls).toEqual(['start beta', 'stop alpha']);
  });

  it('disables a row while its start is in flight', async () => {
    const { services, item } = setup();
    let release!: () => void;
    const original = services.instances.start.bind(services.instances);
    services.instances.start = async (name) => {
      await new Promise<void>((r) => (release = r));
      return original(name);
    };
    item('instance:beta').click();
    expect(item('instance:beta').enabled).toBe(false);
    release();
    await vi.waitFor(() => expect(item('instance:beta').enabled).toBe(true));
  });

  it('tells the user when a start from the tray fails', async () => {
    const { services, item } = setup();
    services.instances.start = async () => {
      throw new Error('port 8001 is already in use');
    };
    item('instance:beta').click();
    await vi.waitFor(() =>
      expect(FakeNotification.shown).toEqual([
        { title: 'Could not start beta', body: 'port 8001 is already in use' },
      ]),
    );
  });

  it('stops every instance, copies the endpoint URL, opens the dashboard and quits from the menu', async () => {
    const { services, calls, item } = setup();
    item('stop-all').click();
    item('copy-endpoint').click();
    item('open-dashboard').click();
    item('start-at-login').click();
    item('quit').click();
    await vi.waitFor(() => expect(services.instances.calls).toEqual(['stopAll', 'stop alpha']));
    expect(calls).toEqual(['copy http://127.0.0.1:8080/v1', 'open', 'login true', 'quit']);
  });

  it('changes and persists a preference from its submenu', () => {
    const { item } = setup();
    const notifications = () =>
      item('preferences').submenu.find((m: any) => m.id === 'pref:notifications');
    notifications().click();
    expect(prefs.get().notifications).toBe(false);
    expect(notifications().checked).toBe(false);
  });

  it('reflects the start-at-login preference when it changes', () => {
    const { item } = setup();
    expect(item('start-at-login').checked).toBe(false);
    prefs.set('startAtLogin', true);
    expect(item('start-at-login').checked).toBe(true);
  });

  it('notifies when an instance crashes and when a download completes, unless notifications are off', async () => {
    const { services } = setup();
    services.instances.put(
      makeInstance('alpha', 'restarting', { last_exit: { code: 1, signal: null, at: 1 } }),
    );
    const job = {
      type: 'job' as const,
      job: { id: 'j1', repo: 'org/m', tag: 'Q4_K_M', status: 'completed' },
    };
    services.events.publish(job as Parameters<typeof services.events.publish>[0]);
    expect(FakeNotification.shown.map((n) => n.title)).toEqual([
      'alpha crashed',
      'Download complete',
    ]);
    prefs.set('notifications', false);
    services.instances.put(makeInstance('alpha', 'failed'));
    expect(FakeNotification.shown).toHaveLength(2);
  });

  it('stops listening and removes the icon when destroyed', async () => {
    const { services, controller, tray, rows } = setup();
    controller.destroy();
    services.instances.put(makeInstance('zzz', 'stopped'), 'created');
    await new Promise((r) => setImmediate(r));
    expect(tray.destroyed).toBe(true);
    expect(rows()).toEqual(['alpha — ready', 'beta — stopped']);
  });

  it('opens the dashboard when the icon is activated on Linux, and leaves clicks to the menu on macOS', () => {
    const linux = setup();
    linux.tray.emit('click');
    expect(linux.calls).toEqual(['open']);
    resetFakeElectron();
    const mac = setup(undefined, { platform: 'darwin' });
    expect(mac.tray.listenerCount('click')).toBe(0);
  });

  it('puts the endpoint URL in the label on Linux, where sublabels are not drawn', () => {
    expect(setup().item('copy-endpoint').label).toBe(
      'Copy endpoint URL (http://127.0.0.1:8080/v1)',
    );
    resetFakeElectron();
    const mac = setup(undefined, { platform: 'darwin' }).item('copy-endpoint');
    expect(mac.sublabel).toBe('http://127.0.0.1:8080/v1');
  });

  it('rebuilds the Start at login check mark after a change that failed', () => {
    const { item } = setup(undefined, {
      setStartAtLogin: () => {
        throw new Error('no permission');
      },
      loginItem: () => ({ enabled: false, needsApproval: false }),
    });
    const before = FakeTray.instances[0].menuBuilds;
    // Electron flips the check box on click; the failed change must not leave it flipped.
    expect(() => item('start-at-login').click()).toThrow('no permission');
    expect(FakeTray.instances[0].menuBuilds).toBe(before + 1);
    expect(item('start-at-login').checked).toBe(false);
  });

  it('shows the real login item state, and says when macOS waits for approval', () => {
    const { item } = setup(undefined, {
      platform: 'darwin',
      loginItem: () => ({ enabled: false, needsApproval: true }),
    });
    expect(item('start-at-login').label).toBe('Start at login (allow it in System Settings)');
    expect(item('start-at-login').checked).toBe(false);
  });

  it('rebuilds the menu for the preferences it shows, not for window moves', () => {
    const { tray } = setup();
    const before = tray.menuBuilds;
    prefs.set('windowBounds', { x: 1, y: 2, width: 800, height: 600 });
    expect(tray.menuBuilds).toBe(before);
    prefs.set('notifications', false);
    expect(tray.menuBuilds).toBe(before + 1);
  });

  it('has Show logs', () => {
    const { item, calls } = setup();
    item('show-logs').click();
    expect(calls).toEqual(['logs']);
  });
});
