import Conf from 'conf';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PREFERENCES, PreferencesService, restorableBounds } from './preferences';

// The app stores preferences with `conf` in its userData folder; the tests use conf on a
// temporary folder, so the real file format and persistence are exercised without Electron.
let dir: string;
const open = () =>
  new PreferencesService(
    new Conf({ cwd: dir, configName: 'preferences', projectVersion: '0.0.0' }),
  );

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'llamactl-prefs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('PreferencesService', () => {
  it('starts from the defaults: tray on close, notifications on, no login item, window shown', () => {
    expect(open().get()).toEqual({
      windowBounds: null,
      startMinimized: false,
      startAtLogin: false,
      closeToTray: true,
      notifications: true,
    });
    expect(DEFAULT_PREFERENCES.closeToTray).toBe(true);
  });

  it('persists every preference across restarts of the app', () => {
    const first = open();
    first.set('startMinimized', true);
    first.set('startAtLogin', true);
    first.set('closeToTray', false);
    first.set('notifications', false);
    first.set('windowBounds', { x: 10, y: 20, width: 1000, height: 700 });

    expect(open().get()).toEqual({
      windowBounds: { x: 10, y: 20, width: 1000, height: 700 },
      startMinimized: true,
      startAtLogin: true,
      closeToTray: false,
      notifications: false,
    });
    expect(JSON.parse(readFileSync(join(dir, 'preferences.json'), 'utf8'))).toMatchObject({
      closeToTray: false,
    });
  });

  it('refuses an invalid value with a message naming the preference, and keeps the old one', () => {
    const prefs = open();
    expect(() => prefs.set('windowBounds', { x: 0, y: 0, width: 5, height: 5 })).toThrow(
      /preference windowBounds/,
    );
    expect(() => prefs.set('notifications', 'yes' as unknown as boolean)).toThrow(
      /preference notifications/,
    );
    expect(prefs.get().windowBounds).toBeNull();
    expect(prefs.get().notifications).toBe(true);
  });

  it('falls back to the default for a hand-edited bad value without losing the other keys', () => {
    writeFileSync(
      join(dir, 'preferences.json'),
      JSON.stringify({ closeToTray: 'no', startMinimized: true, windowBounds: { x: 'a' } }),
    );
    const prefs = open().get();
    expect(prefs.closeToTray).toBe(true);
    expect(prefs.startMinimized).toBe(true);
    expect(prefs.windowBounds).toBeNull();
  });

  it('tells listeners about a change with the new preferences', () => {
    const prefs = open();
    const seen: boolean[] = [];
    const off = prefs.onChange((p) => seen.push(p.startAtLogin));
    prefs.set('startAtLogin', true);
    off();
    prefs.set('startAtLogin', false);
    expect(seen).toEqual([true]);
  });
});

describe('restorableBounds', () => {
  const screen = { x: 0, y: 0, width: 1920, height: 1080 };
  it('restores bounds that are on a connected display', () => {
    const b = { x: 100, y: 100, width: 800, height: 600 };
    expect(restorableBounds(b, [screen])).toEqual(b);
  });
  it('drops bounds left on a display that is no longer connected', () => {
    expect(
      restorableBounds({ x: 2500, y: 100, width: 800, height: 600 }, [screen]),
    ).toBeUndefined();
  });
  it('drops bounds when only a sliver would be visible', () => {
    expect(
      restorableBounds({ x: 1900, y: 100, width: 800, height: 600 }, [screen]),
    ).toBeUndefined();
  });
  it('restores onto a second display', () => {
    const b = { x: 2500, y: 100, width: 800, height: 600 };
    expect(restorableBounds(b, [screen, { x: 1920, y: 0, width: 2560, height: 1440 }])).toEqual(b);
  });
  it('has nothing to restore before the first save', () => {
    expect(restorableBounds(null, [screen])).toBeUndefined();
  });
});
