import { createRequire } from 'node:module';

/**
 * Whether a tray icon can be seen on this Linux desktop. Electron's Linux tray is a
 * StatusNotifierItem (docs/api/tray.md, "Platform Considerations"; tray_icon_linux.cc creates
 * StatusIconLinuxDbus and falls back to GtkStatusIcon, an XEmbed icon that GNOME no longer
 * shows); libappindicator is never loaded. An item is shown only when the session bus has a
 * StatusNotifierWatcher with a host registered: KDE, Cinnamon, XFCE and others do; stock GNOME
 * does not (the "AppIndicator and KStatusNotifierItem Support" extension adds one).
 *
 * Answers 'present', 'absent', or 'unknown' (no session bus, an address this client cannot use,
 * no answer in time); the app treats 'unknown' like 'absent', as a hidden app with no icon is
 * the worse mistake.
 */
export type TrayHost = 'present' | 'absent' | 'unknown';

const WATCHER = 'org.kde.StatusNotifierWatcher';

interface DbusMessage {
  destination: string;
  path: string;
  interface: string;
  member: string;
  signature?: string;
  body?: unknown[];
}
interface MessageBus {
  invoke(msg: DbusMessage, cb: (err: unknown, value: unknown) => void): void;
  connection: { on(event: 'error', l: (err: Error) => void): void; stream: { destroy(): void } };
}
// @homebridge/dbus-native is CommonJS, and its typings omit sessionBus().
const dbus = createRequire(import.meta.url)('@homebridge/dbus-native') as {
  sessionBus(opts?: { busAddress?: string }): MessageBus;
};

export async function probeTrayHost(
  o: { busAddress?: string; timeoutMs?: number } = {},
): Promise<TrayHost> {
  const busAddress = o.busAddress ?? process.env.DBUS_SESSION_BUS_ADDRESS;
  if (!busAddress) return 'unknown';
  let bus: MessageBus;
  try {
    bus = dbus.sessionBus({ busAddress });
  } catch {
    return 'unknown'; // e.g. unix:abstract= addresses need a native module this app does not ship
  }
  let timer: NodeJS.Timeout | undefined;
  const failed = new Promise<TrayHost>((resolve) => {
    bus.connection.on('error', () => resolve('unknown'));
    timer = setTimeout(() => resolve('unknown'), o.timeoutMs ?? 2000);
  });
  const call = (msg: DbusMessage) =>
    new Promise<unknown>((resolve, reject) =>
      bus.invoke(msg, (err, value) => (err ? reject(err) : resolve(value))),
    );
  const ask = async (): Promise<TrayHost> => {
    const owned = await call({
      destination: 'org.freedesktop.DBus',
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus',
      member: 'NameHasOwner',
      signature: 's',
      body: [WATCHER],
    });
    if (owned !== true) return 'absent';
    const registered = await call({
      destination: WATCHER,
      path: '/StatusNotifierWatcher',
      interface: 'org.freedesktop.DBus.Properties',
      member: 'Get',
      signature: 'ss',
      body: [WATCHER, 'IsStatusNotifierHostRegistered'],
    });
    return variantValue(registered) === true ? 'present' : 'absent';
  };
  try {
    return await Promise.race([ask().catch((): TrayHost => 'unknown'), failed]);
  } finally {
    clearTimeout(timer);
    bus.connection.stream.destroy();
  }
}

/** dbus-native returns a variant as [[signature...], [value]]. */
function variantValue(v: unknown): unknown {
  if (Array.isArray(v) && v.length === 2 && Array.isArray(v[1])) return v[1][0];
  return v;
}

/** What the window and start-up do when no tray icon can be seen. */
export function trayVisible(platform: NodeJS.Platform, host: TrayHost): boolean {
  // macOS always has the menu bar (and the Dock); Windows always has a notification area.
  if (platform !== 'linux') return true;
  return host === 'present';
}
