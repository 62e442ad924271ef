import type { MenuItemConstructorOptions } from 'electron';
import type { Instance, InstanceResources } from '../../shared/api/instances';
import { canStart, canStop } from '../../shared/instance-status';

/** What the tray shows; rebuilt from `instances.list()` whenever an instance event arrives. */
export interface TrayMenuState {
  instances: readonly Instance[];
  /** the OpenAI-compatible endpoint other apps use, e.g. http://127.0.0.1:8080/v1 */
  endpointUrl: string;
  startAtLogin: boolean;
  /** macOS: the login item is registered but waits for the user's approval in System Settings */
  startAtLoginNeedsApproval?: boolean;
  /** the other boolean preferences, shown as check boxes in a submenu */
  preferences: { startMinimized: boolean; closeToTray: boolean; notifications: boolean };
  /** name of the local node: instances of other nodes are labelled with theirs */
  localNode: string;
  /** instances with a start/stop from the tray still in flight */
  busy: ReadonlySet<string>;
  /** `sublabel` is drawn on macOS only (docs/api/menu-item.md); elsewhere the URL is in the label */
  platform?: NodeJS.Platform;
}

/** The preference keys the menu shows: only their changes need a rebuild (not windowBounds). */
export const TRAY_PREFERENCE_KEYS = [
  'startAtLogin',
  'startMinimized',
  'closeToTray',
  'notifications',
] as const;

export interface TrayActions {
  toggleInstance(name: string, action: 'start' | 'stop'): void;
  openDashboard(): void;
  copyEndpoint(): void;
  stopAll(): void;
  setStartAtLogin(on: boolean): void;
  setPreference(key: 'startMinimized' | 'closeToTray' | 'notifications', on: boolean): void;
  showLogs(): void;
  quit(): void;
}

/** Menus taller than the screen are useless; the rest are one click away in the dashboard. */
export const MAX_TRAY_INSTANCES = 15;

export function isActive(i: Instance): boolean {
  return i.status === 'running' || i.status === 'restarting';
}

/** A short state word, readiness first: "running" alone says nothing about the model loading. */
export function instanceStateLabel(i: Instance): string {
  if (i.unreachable) return 'unreachable';
  switch (i.status) {
    case 'running':
      return i.health === 'ready' ? 'ready' : i.health === 'unhealthy' ? 'unhealthy' : 'starting';
    case 'restarting':
      return 'restarting';
    case 'shutting_down':
      return 'stopping';
    case 'failed':
      return 'failed';
    default:
      return 'stopped';
  }
}

/** Sums of the latest resource samples of the running local instances, for the tooltip. */
export interface ResourceTotals {
  rss_bytes: number;
  /** null until a second sample gives a CPU figure */
  cpu_percent: number | null;
  gpu_memory_bytes: number | null;
}

export function resourceTotals(
  samples: Readonly<Record<string, InstanceResources>>,
): ResourceTotals | null {
  const all = Object.values(samples);
  if (all.length === 0) return null;
  const cpus = all.map((r) => r.cpu_percent).filter((c): c is number => c !== null);
  const gpus = all.map((r) => r.gpu_memory_bytes).filter((g): g is number => g !== null);
  return {
    rss_bytes: all.reduce((sum, r) => sum + r.rss_bytes, 0),
    cpu_percent: cpus.length ? cpus.reduce((a, b) => a + b, 0) : null,
    gpu_memory_bytes: gpus.length ? gpus.reduce((a, b) => a + b, 0) : null,
  };
}

/** 1.5 GB, 820 MB: decimal units, as the dashboard and the OS's memory tools show them. */
function memoryText(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  return `${Math.max(1, Math.round(bytes / 1e6))} MB`;
}

export function trayStatus(
  instances: readonly Instance[],
  totals: ResourceTotals | null = null,
): {
  icon: 'running' | 'idle';
  tooltip: string;
} {
  const running = instances.filter(isActive).length;
  if (running === 0) return { icon: 'idle', tooltip: 'Llamactl: no instance running' };
  const parts = [`Llamactl: ${running} of ${instances.length} instances running`];
  if (totals) {
    parts.push(`${memoryText(totals.rss_bytes)} RAM`);
    if (totals.gpu_memory_bytes !== null) parts.push(`${memoryText(totals.gpu_memory_bytes)} VRAM`);
    if (totals.cpu_percent !== null) parts.push(`${Math.round(totals.cpu_percent)}% CPU`);
  }
  return { icon: 'running', tooltip: parts.join(' · ') };
}

export function buildTrayMenu(
  state: TrayMenuState,
  actions: TrayActions,
): MenuItemConstructorOptions[] {
  const { instances } = state;
  const sorted = [...instances].sort((a, b) => a.name.localeCompare(b.name));
  const shown = sorted.slice(0, MAX_TRAY_INSTANCES);
  const anyActive = instances.some(isActive);

  const instanceItems: MenuItemConstructorOptions[] = shown.map((i) => {
    const action: 'start' | 'stop' | null = canStop(i.status)
      ? 'stop'
      : canStart(i.status)
        ? 'start'
        : null;
    const where = i.node && i.node !== state.localNode ? ` @${i.node}` : '';
    return {
      id: `instance:${i.name}`,
      label: `${i.name}${where} — ${instanceStateLabel(i)}`,
      type: 'checkbox',
      checked: isActive(i),
      enabled: action !== null && !i.unreachable && !state.busy.has(i.name),
      toolTip: action === 'stop' ? `Stop ${i.name}` : `Start ${i.name}`,
      click: () => {
        if (action) actions.toggleInstance(i.name, action);
      },
    };
  });
  if (instances.length === 0)
    instanceItems.push({ id: 'no-instances', label: 'No instances yet', enabled: false });
  if (sorted.length > shown.length) {
    instanceItems.push({
      id: 'more-instances',
      label: `${sorted.length - shown.length} more in the dashboard…`,
      click: () => actions.openDashboard(),
    });
  }

  const running = instances.filter(isActive).length;
  return [
    {
      id: 'summary',
      label: `Instances: ${running} of ${instances.length} running`,
      enabled: false,
    },
    { type: 'separator' },
    ...instanceItems,
    { type: 'separator' },
    { id: 'open-dashboard', label: 'Open dashboard', click: () => actions.openDashboard() },
    (state.platform ?? process.platform) === 'darwin'
      ? {
          id: 'copy-endpoint',
          label: 'Copy OpenAI endpoint URL',
          sublabel: state.endpointUrl,
          toolTip: state.endpointUrl,
          click: () => actions.copyEndpoint(),
        }
      : {
          id: 'copy-endpoint',
          label: `Copy endpoint URL (${state.endpointUrl})`,
          click: () => actions.copyEndpoint(),
        },
    {
      id: 'stop-all',
      label: 'Stop all instances',
      enabled: anyActive,
      click: () => actions.stopAll(),
    },
    { type: 'separator' },
    {
      id: 'start-at-login',
      label: state.startAtLoginNeedsApproval
        ? 'Start at login (allow it in System Settings)'
        : 'Start at login',
      type: 'checkbox',
      checked: state.startAtLogin,
      click: () => actions.setStartAtLogin(!state.startAtLogin),
    },
    {
      id: 'preferences',
      label: 'Preferences',
      submenu: (
        [
          ['startMinimized', 'Start minimized to the tray'],
          ['closeToTray', 'Keep running in the tray when the window is closed'],
          ['notifications', 'Notifications'],
        ] as const
      ).map(([key, label]) => ({
        id: `pref:${key}`,
        label,
        type: 'checkbox' as const,
        checked: state.preferences[key],
        click: () => actions.setPreference(key, !state.preferences[key]),
      })),
    },
    { id: 'show-logs', label: 'Show logs', click: () => actions.showLogs() },
    { type: 'separator' },
    { id: 'quit', label: 'Quit Llamactl', click: () => actions.quit() },
  ];
}

/**
 * Tray icon files in assets/. macOS wants monochrome "Template" images it tints for the menu
 * bar theme (the @2x sibling is picked up automatically); elsewhere colour icons show state.
 */
export function trayIconFiles(platform: NodeJS.Platform): { running: string; idle: string } {
  if (platform === 'darwin')
    return { running: 'trayRunningTemplate.png', idle: 'trayTemplate.png' };
  return { running: 'tray-running.png', idle: 'tray-idle.png' };
}
