import { Menu, Notification, Tray, type NativeImage } from 'electron';
import type { ServerEvent } from '../../shared/api/events';
import type { DesktopServices } from './desktop-services';
import { NotificationTracker, type DesktopNotification } from './notifications';
import type { PreferenceKey, PreferencesService } from './preferences';
import {
  buildTrayMenu,
  resourceTotals,
  TRAY_PREFERENCE_KEYS,
  trayStatus,
  type ResourceTotals,
} from './tray-menu';

export interface TrayDeps {
  services: DesktopServices;
  icons: { running: NativeImage | string; idle: NativeImage | string };
  /** the OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 */
  endpointUrl: string;
  prefs: PreferencesService;
  openDashboard(): void;
  copyText(text: string): void;
  /** may fail (and say so itself); the menu is rebuilt afterwards either way */
  setStartAtLogin(on: boolean): void;
  /**
   * The real login-item state where the OS has one (macOS: app.getLoginItemSettings());
   * without it the stored preference is shown.
   */
  loginItem?(): { enabled: boolean; needsApproval: boolean };
  showLogs(): void;
  quit(): void;
  platform?: NodeJS.Platform;
}

/**
 * The tray icon and menu. It listens to the same event bus as the SSE endpoint, so it reflects
 * changes made from the dashboard, the API or the supervisor as they happen.
 */
export class TrayController {
  private readonly tray: Tray;
  private readonly busy = new Set<string>();
  private readonly tracker = new NotificationTracker();
  private readonly disposers: Array<() => void> = [];
  private refreshQueued = false;
  private shownIcon: 'running' | 'idle' | null = null;
  private totals: ResourceTotals | null = null;
  /** set while the tray keeps the resource sampler running (a local instance is running) */
  private releaseSampler: (() => void) | null = null;

  constructor(private readonly d: TrayDeps) {
    this.tray = new Tray(d.icons.idle);
    // On Linux the icon's activation arrives as 'click' (docs/api/tray.md: whatever the desktop
    // treats as activation, often a left click); macOS opens the menu on click itself.
    if ((d.platform ?? process.platform) !== 'darwin')
      this.tray.on('click', () => this.d.openDashboard());
    this.tracker.seed(this.all().list());
    // instance and resource events only: no activity event is built per request for the tray
    this.disposers.push(
      d.services.events.subscribe((e) => this.onEvent(e), { withoutActivity: true }),
    );
    // The window saves its bounds on every move: only preferences the menu shows rebuild it.
    const shown = new Set<PreferenceKey>(TRAY_PREFERENCE_KEYS);
    this.disposers.push(
      d.prefs.onChange((_prefs, key) => {
        if (shown.has(key)) this.refresh();
      }),
    );
    this.refresh();
  }

  /** Every instance this server knows, remote ones included when the node service is there. */
  private all(): NonNullable<TrayDeps['services']['directory']> {
    return this.d.services.directory ?? this.d.services.instances;
  }

  /** Rebuilds icon, tooltip and menu from the instance list. */
  refresh(): void {
    this.refreshQueued = false;
    const instances = this.all().list();
    this.holdSampler();
    const status = trayStatus(instances, this.totals);
    if (status.icon !== this.shownIcon) {
      this.tray.setImage(this.d.icons[status.icon]);
      this.shownIcon = status.icon;
    }
    this.tray.setToolTip(status.tooltip);
    const prefs = this.d.prefs.get();
    const login = this.d.loginItem?.() ?? { enabled: prefs.startAtLogin, needsApproval: false };
    const template = buildTrayMenu(
      {
        instances,
        endpointUrl: this.d.endpointUrl,
        platform: this.d.platform,
        startAtLogin: login.enabled,
        startAtLoginNeedsApproval: login.needsApproval,
        preferences: {
          startMinimized: prefs.startMinimized,
          closeToTray: prefs.closeToTray,
          notifications: prefs.notifications,
        },
        localNode: this.d.services.config.local_node,
        busy: this.busy,
      },
      {
        toggleInstance: (name, action) => void this.toggle(name, action),
        openDashboard: () => this.d.openDashboard(),
        copyEndpoint: () => this.d.copyText(this.d.endpointUrl),
        stopAll: () => void this.stopAll(),
        setStartAtLogin: (on) => {
          // Electron flips a checkbox item when it is clicked; after a failure the rebuilt menu
          // shows the real state again.
          try {
            this.d.setStartAtLogin(on);
          } finally {
            this.refresh();
          }
        },
        setPreference: (key, on) => this.d.prefs.set(key, on),
        showLogs: () => this.d.showLogs(),
        quit: () => this.d.quit(),
      },
    );
    this.tray.setContextMenu(Menu.buildFromTemplate(template));
  }

  destroy(): void {
    this.releaseSampler?.();
    this.releaseSampler = null;
    for (const dispose of this.disposers.splice(0)) dispose();
    this.tray.destroy();
  }

  async toggle(name: string, action: 'start' | 'stop'): Promise<void> {
    this.busy.add(name);
    this.refresh();
    try {
      if (action === 'start') await this.all().start(name);
      else await this.all().stop(name);
    } catch (err) {
      this.notify(
        {
          title: `Could not ${action} ${name}`,
          body: err instanceof Error ? err.message : String(err),
        },
        true,
      );
    } finally {
      this.busy.delete(name);
      this.refresh();
    }
  }

  /**
   * "Stop all instances": each one stopped as its own Stop would (stored `stopped`, startable at
   * once), never the shutdown path, which would refuse every later start. Instances on other
   * nodes that the menu lists are stopped through the directory.
   */
  async stopAll(): Promise<void> {
    const errors: string[] = [];
    try {
      const local = await this.d.services.instances.stopAll();
      for (const e of local.errors) errors.push(`${e.name}: ${e.error}`);
      const localNames = new Set(this.d.services.instances.list().map((i) => i.name));
      const remote = (this.d.services.directory?.list() ?? []).filter(
        (i) => !localNames.has(i.name) && i.status !== 'stopped',
      );
      const results = await Promise.allSettled(
        remote.map((i) => this.d.services.directory!.stop(i.name)),
      );
      results.forEach((r, k) => {
        if (r.status === 'rejected') errors.push(`${remote[k]!.name}: ${errorText(r.reason)}`);
      });
    } catch (err) {
      errors.push(errorText(err));
    }
    if (errors.length)
      this.notify({ title: 'Could not stop every instance', body: errors.join('\n') }, true);
  }

  /**
   * The tooltip's totals come from the sampler's 'resources' events; the sampler runs only while
   * someone holds it, so the tray holds it exactly while a local instance is running.
   */
  private holdSampler(): void {
    const sampler = this.d.services.observability?.sampler;
    if (!sampler) return;
    const running = this.d.services.instances.list().some((i) => i.status === 'running');
    if (running && !this.releaseSampler) this.releaseSampler = sampler.acquire();
    else if (!running && this.releaseSampler) {
      this.releaseSampler();
      this.releaseSampler = null;
      this.totals = null;
    }
  }

  private onEvent(event: ServerEvent): void {
    if (event.type === 'resources') {
      // every 2 s: only the tooltip changes, the menu is not rebuilt
      this.totals = resourceTotals(event.instances);
      this.tray.setToolTip(trayStatus(this.all().list(), this.totals).tooltip);
      return;
    }
    if (event.type === 'instance' && !this.refreshQueued) {
      // Events come in bursts (status + health + restart); one rebuild per burst is enough.
      this.refreshQueued = true;
      setImmediate(() => this.refresh());
    }
    const n = this.tracker.next(event);
    if (n) this.notify(n, false);
  }

  /** Errors of the user's own tray actions are always shown; background ones follow the preference. */
  private notify(n: DesktopNotification, always: boolean): void {
    if (!always && !this.d.prefs.get().notifications) return;
    if (!Notification.isSupported()) {
      this.d.services.log.warn(`${n.title}: ${n.body}`);
      return;
    }
    new Notification({ title: n.title, body: n.body }).show();
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
