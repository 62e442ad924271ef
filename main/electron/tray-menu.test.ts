import type { MenuItemConstructorOptions } from 'electron';
import {
  buildTrayMenu,
  instanceStateLabel,
  MAX_TRAY_INSTANCES,
  resourceTotals,
  trayStatus,
  type TrayActions,
  type TrayMenuState,
} from './tray-menu';
import { makeInstance } from './testing/fake-instances';

function recorder() {
  const calls: string[] = [];
  const actions: TrayActions = {
    toggleInstance: (name, action) => calls.push(`${action} ${name}`),
    openDashboard: () => calls.push('open'),
    copyEndpoint: () => calls.push('copy'),
    stopAll: () => calls.push('stopAll'),
    setStartAtLogin: (on) => calls.push(`login ${on}`),
    setPreference: (key, on) => calls.push(`${key} ${on}`),
    showLogs: () => calls.push('logs'),
    quit: () => calls.push('quit'),
  };
  return { calls, actions };
}

const base: TrayMenuState = {
  instances: [],
  endpointUrl: 'http://127.0.0.1:8080/v1',
  startAtLogin: false,
  preferences: { startMinimized: false, closeToTray: true, notifications: true },
  localNode: 'main',
  busy: new Set(),
  platform: 'darwin',
};
const byId = (menu: MenuItemConstructorOptions[], id: string) => {
  const item = menu.find((m) => m.id === id);
  if (!item) throw new Error(`no menu item ${id}`);
  return item;
};
const click = (item: MenuItemConstructorOptions) => (item.click as () => void)();

describe('buildTrayMenu', () => {
  it('lists every instance sorted by name with its state and a checked box when running', () => {
    const menu = buildTrayMenu(
      {
        ...base,
        instances: [
          makeInstance('zeta', 'stopped'),
          makeInstance('alpha', 'running'),
          makeInstance('mid', 'running', { health: 'starting' }),
          makeInstance('bad', 'failed'),
        ],
      },
      recorder().actions,
    );
    const rows = menu.filter((m) => m.id?.startsWith('instance:'));
    expect(rows.map((r) => [r.label, r.checked])).toEqual([
      ['alpha — ready', true],
      ['bad — failed', false],
      ['mid — starting', true],
      ['zeta — stopped', false],
    ]);
    expect(byId(menu, 'summary').label).toBe('Instances: 2 of 4 running');
  });

  it('stops a running instance and starts a stopped or failed one when its row is clicked', () => {
    const { calls, actions } = recorder();
    const menu = buildTrayMenu(
      {
        ...base,
        instances: [
          makeInstance('a', 'running'),
          makeInstance('b', 'stopped'),
          makeInstance('c', 'failed'),
        ],
      },
      actions,
    );
    click(byId(menu, 'instance:a'));
    click(byId(menu, 'instance:b'));
    click(byId(menu, 'instance:c'));
    expect(calls).toEqual(['stop a', 'start b', 'start c']);
  });

  it('disables the row of an instance that is stopping, unreachable or already being toggled', () => {
    const menu = buildTrayMenu(
      {
        ...base,
        busy: new Set(['busy']),
        instances: [
          makeInstance('stopping', 'shutting_down'),
          makeInstance('remote', 'running', { node: 'gpu-box', unreachable: true }),
          makeInstance('busy', 'stopped'),
          makeInstance('free', 'stopped'),
        ],
      },
      recorder().actions,
    );
    expect(byId(menu, 'instance:stopping').enabled).toBe(false);
    expect(byId(menu, 'instance:remote').enabled).toBe(false);
    expect(byId(menu, 'instance:remote').label).toBe('remote @gpu-box — unreachable');
    expect(byId(menu, 'instance:busy').enabled).toBe(false);
    expect(byId(menu, 'instance:free').enabled).toBe(true);
  });

  it('says there are no instances and disables Stop all when nothing runs', () => {
    const menu = buildTrayMenu(base, recorder().actions);
    expect(byId(menu, 'no-instances').enabled).toBe(false);
    expect(byId(menu, 'stop-all').enabled).toBe(false);
  });

  it('caps the list and links the rest to the dashboard', () => {
    const { calls, actions } = recorder();
    const many = Array.from({ length: MAX_TRAY_INSTANCES + 3 }, (_, n) =>
      makeInstance(`m${String(n).padStart(2, '0')}`),
    );
    const menu = buildTrayMenu({ ...base, instances: many }, actions);
    expect(menu.filter((m) => m.id?.startsWith('instance:'))).toHaveLength(MAX_TRAY_INSTANCES);
    const more = byId(menu, 'more-instances');
    expect(more.label).toBe('3 more in the dashboard…');
    click(more);
    expect(calls).toEqual(['open']);
  });

  it('wires the fixed items: dashboard, endpoint, stop all, start at login and quit', () => {
    const { calls, actions } = recorder();
    const menu = buildTrayMenu(
      { ...base, startAtLogin: true, instances: [makeInstance('a', 'running')] },
      actions,
    );
    expect(byId(menu, 'copy-endpoint').sublabel).toBe('http://127.0.0.1:8080/v1');
    expect(byId(menu, 'start-at-login').checked).toBe(true);
    for (const id of [
      'open-dashboard',
      'copy-endpoint',
      'stop-all',
      'start-at-login',
      'show-logs',
      'quit',
    ])
      click(byId(menu, id));
    expect(calls).toEqual(['open', 'copy', 'stopAll', 'login false', 'logs', 'quit']);
  });
});

describe('tray preferences submenu', () => {
  it('shows each preference as a check box and flips it when clicked', () => {
    const { calls, actions } = recorder();
    const menu = buildTrayMenu(base, actions);
    const sub = byId(menu, 'preferences').submenu as MenuItemConstructorOptions[];
    expect(sub.map((m) => [m.id, m.checked])).toEqual([
      ['pref:startMinimized', false],
      ['pref:closeToTray', true],
      ['pref:notifications', true],
    ]);
    for (const item of sub) click(item);
    expect(calls).toEqual(['startMinimized true', 'closeToTray false', 'notifications false']);
  });
});

describe('trayStatus', () => {
  it('shows the running icon while any instance runs or restarts, and the idle icon otherwise', () => {
    expect(trayStatus([makeInstance('a', 'stopped'), makeInstance('b', 'failed')])).toEqual({
      icon: 'idle',
      tooltip: 'Llamactl: no instance running',
    });
    expect(trayStatus([makeInstance('a', 'restarting'), makeInstance('b', 'stopped')])).toEqual({
      icon: 'running',
      tooltip: 'Llamactl: 1 of 2 instances running',
    });
  });
});

describe('resourceTotals', () => {
  const sample = (rss: number, cpu: number | null, gpu: number | null) => ({
    rss_bytes: rss,
    cpu_percent: cpu,
    processes: 1,
    uptime_seconds: 1,
    listen_ports: [],
    gpu_memory_bytes: gpu,
    sampled_at: 0,
  });

  it('sums memory, CPU and GPU memory, leaving out figures no sample has', () => {
    expect(resourceTotals({})).toBeNull();
    expect(resourceTotals({ a: sample(100, null, null), b: sample(50, 20, 7) })).toEqual({
      rss_bytes: 150,
      cpu_percent: 20,
      gpu_memory_bytes: 7,
    });
    expect(resourceTotals({ a: sample(1, null, null) })).toEqual({
      rss_bytes: 1,
      cpu_percent: null,
      gpu_memory_bytes: null,
    });
  });

  it('puts the totals in the tooltip while something runs', () => {
    const running = [makeInstance('a', 'running')];
    expect(
      trayStatus(running, { rss_bytes: 820e6, cpu_percent: 3.4, gpu_memory_bytes: 4.25e9 }).tooltip,
    ).toBe('Llamactl: 1 of 1 instances running · 820 MB RAM · 4.3 GB VRAM · 3% CPU');
    expect(
      trayStatus(running, { rss_bytes: 2e9, cpu_percent: null, gpu_memory_bytes: null }).tooltip,
    ).toBe('Llamactl: 1 of 1 instances running · 2.0 GB RAM');
  });
});

describe('instanceStateLabel', () => {
  it('prefers readiness to the process status', () => {
    expect(instanceStateLabel(makeInstance('a', 'running', { health: 'unhealthy' }))).toBe(
      'unhealthy',
    );
    expect(instanceStateLabel(makeInstance('a', 'running', { health: 'starting' }))).toBe(
      'starting',
    );
    expect(instanceStateLabel(makeInstance('a', 'shutting_down'))).toBe('stopping');
  });
});
