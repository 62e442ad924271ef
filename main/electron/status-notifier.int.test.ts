import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeTrayHost, trayVisible } from './status-notifier';

// A private session bus (dbus-daemon) with a stand-in StatusNotifierWatcher, as KDE or GNOME's
// AppIndicator extension provide one; without dbus-daemon on the machine the bus tests skip.
const hasDbusDaemon = spawnSync('sh', ['-c', 'command -v dbus-daemon']).status === 0;
if (!hasDbusDaemon)
  console.log('[status-notifier] dbus-daemon is not installed: bus tests skipped');

const dbus = createRequire(import.meta.url)('@homebridge/dbus-native');

let dir: string;
let daemon: ChildProcess | null = null;
let address: string;
const clients: Array<{ connection: { stream: { destroy(): void } } }> = [];

async function startBus(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'llamactl-dbus-'));
  address = `unix:path=${join(dir, 'bus')}`;
  daemon = spawn(
    'dbus-daemon',
    ['--session', '--nofork', `--address=${address}`, '--print-address=1'],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    daemon!.once('error', reject);
    daemon!.stdout!.once('data', () => resolve());
  });
}

/** Owns the watcher's name on the bus and answers IsStatusNotifierHostRegistered. */
async function fakeWatcher(hostRegistered: boolean): Promise<void> {
  const bus = dbus.sessionBus({ busAddress: address });
  clients.push(bus);
  // dbus-native answers org.freedesktop.DBus.Properties.Get from an exported property.
  bus.exportInterface(
    { IsStatusNotifierHostRegistered: hostRegistered },
    '/StatusNotifierWatcher',
    {
      name: 'org.kde.StatusNotifierWatcher',
      methods: {},
      properties: { IsStatusNotifierHostRegistered: 'b' },
    },
  );
  await new Promise<void>((resolve, reject) =>
    bus.requestName('org.kde.StatusNotifierWatcher', 0, (err: unknown) =>
      err ? reject(err) : resolve(),
    ),
  );
}

afterEach(() => {
  for (const c of clients.splice(0)) c.connection.stream.destroy();
  daemon?.kill();
  daemon = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasDbusDaemon)('probeTrayHost on a real session bus', () => {
  it('finds no host on a bus without a StatusNotifierWatcher (stock GNOME)', async () => {
    await startBus();
    await expect(probeTrayHost({ busAddress: address })).resolves.toBe('absent');
  });

  it('finds the host when a watcher with a registered host is on the bus (KDE, AppIndicator extension)', async () => {
    await startBus();
    await fakeWatcher(true);
    await expect(probeTrayHost({ busAddress: address })).resolves.toBe('present');
  });

  it('finds no host when the watcher has no host registered', async () => {
    await startBus();
    await fakeWatcher(false);
    await expect(probeTrayHost({ busAddress: address })).resolves.toBe('absent');
  });
});

describe('probeTrayHost without a usable bus', () => {
  it('answers unknown with no session bus address, or one that cannot be reached', async () => {
    await expect(probeTrayHost({ busAddress: '' })).resolves.toBe('unknown');
    const gone = join(tmpdir(), `llamactl-no-bus-${process.pid}`);
    await expect(probeTrayHost({ busAddress: `unix:path=${gone}` })).resolves.toBe('unknown');
  });
});

describe('trayVisible', () => {
  it.each([
    ['linux', 'present', true],
    ['linux', 'absent', false],
    ['linux', 'unknown', false],
    ['darwin', 'unknown', true],
    ['win32', 'absent', true],
  ] as const)('%s with host %s -> %s', (platform, host, visible) => {
    expect(trayVisible(platform, host)).toBe(visible);
  });
});
