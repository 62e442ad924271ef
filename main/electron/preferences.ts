import { z } from 'zod';

/**
 * Desktop preferences (not server config: the server reads llamactl's YAML like the headless
 * build). Persisted by `conf` in the app's userData folder; everything here is plain
 * logic over a small store interface so it runs and is tested without Electron.
 */

export const BoundsSchema = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().min(320).max(20_000),
  height: z.number().int().min(240).max(20_000),
});
export type Bounds = z.infer<typeof BoundsSchema>;

export const PreferencesSchema = z.object({
  /** last window position and size; null until the window was first moved or resized */
  windowBounds: BoundsSchema.nullable(),
  /** start with the window hidden (tray only) */
  startMinimized: z.boolean(),
  /** launch at login (macOS login item, XDG autostart entry on Linux) */
  startAtLogin: z.boolean(),
  /** closing the window keeps the app (and the OpenAI endpoint) running in the tray */
  closeToTray: z.boolean(),
  /** desktop notifications for crashed/failed instances and finished downloads */
  notifications: z.boolean(),
});
export type Preferences = z.infer<typeof PreferencesSchema>;
export type PreferenceKey = keyof Preferences;

export const DEFAULT_PREFERENCES: Readonly<Preferences> = Object.freeze({
  windowBounds: null,
  startMinimized: false,
  startAtLogin: false,
  closeToTray: true,
  notifications: true,
});

/** The part of `conf` that preferences use. */
export interface PreferenceStore {
  readonly store: Record<string, unknown>;
  set(key: string, value: unknown): void;
}

export class PreferencesService {
  private readonly listeners = new Set<(prefs: Preferences, key: PreferenceKey) => void>();

  constructor(private readonly backend: PreferenceStore) {}

  /**
   * Every key validated on its own: a hand-edited or older file with one bad value keeps the
   * user's other choices and falls back to the default for that key only.
   */
  get(): Preferences {
    const raw = this.backend.store ?? {};
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(DEFAULT_PREFERENCES) as PreferenceKey[]) {
      const parsed = PreferencesSchema.shape[key].safeParse(raw[key]);
      out[key] = parsed.success ? parsed.data : DEFAULT_PREFERENCES[key];
    }
    return out as Preferences;
  }

  /** Throws a message naming the key and the rule when the value is not valid. */
  set<K extends PreferenceKey>(key: K, value: Preferences[K]): Preferences {
    const schema = PreferencesSchema.shape[key];
    if (!schema) throw new Error(`unknown preference "${String(key)}"`);
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      throw new Error(`preference ${key}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    }
    this.backend.set(key, parsed.data);
    const prefs = this.get();
    for (const l of this.listeners) l(prefs, key);
    return prefs;
  }

  /** `key` is the preference that changed. */
  onChange(listener: (prefs: Preferences, key: PreferenceKey) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * The saved bounds, if enough of the window would still be on a connected display (monitors
 * get unplugged); otherwise undefined, and the window opens centred at its default size.
 */
export function restorableBounds(
  saved: Bounds | null,
  workAreas: readonly Bounds[],
  minVisible = 64,
): Bounds | undefined {
  if (!saved) return undefined;
  const visible = workAreas.some((a) => {
    const w = Math.min(saved.x + saved.width, a.x + a.width) - Math.max(saved.x, a.x);
    const h = Math.min(saved.y + saved.height, a.y + a.height) - Math.max(saved.y, a.y);
    return w >= minVisible && h >= minVisible;
  });
  return visible ? saved : undefined;
}
