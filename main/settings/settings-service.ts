import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  SETTINGS_BACKENDS,
  SettingsSchema,
  type Settings,
  type SettingsResponse,
} from '../../shared/api/settings';
import { AppError } from '../../shared/errors';
import {
  configLayers,
  configSources,
  sourceOf,
  withSettingsLayer,
  type ConfigLayer,
  type ConfigSource,
} from '../config/layers';
import { ConfigError, finalizeConfig, mergeLayers } from '../config/load-config';
import type { AppConfig } from '../config/schema';
import type { Logger } from '../logger';
import { readSettingsFile, settingsPath, writeSettingsFile } from './settings-file';

/**
 * The dashboard's settings: stored in `<data_dir>/settings.json`, applied over the config file
 * and under the environment. A change is validated like the config itself and then written into
 * the live config object every service holds, so the next start of an instance uses the new
 * command without a server restart.
 */
export class SettingsService {
  private layers: ConfigLayer[];
  private settings: Settings;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: AppConfig,
    private readonly log: Logger,
    private readonly home: string = homedir(),
  ) {
    // A config built without the loader (never in the app) gets one layer: all "default".
    this.layers = configLayers(config) ?? [{ source: 'default', values: structuredClone(config) }];
    const stored = this.layers.find((l) => l.source === 'settings');
    // The loader read the file when it was allowed to; otherwise (hermetic tests) read it now.
    this.settings = stored ? (stored.values as Settings) : safeRead(config.data_dir, log);
    if (!stored && Object.keys(this.settings).length > 0) this.apply(this.settings);
  }

  get(): Settings {
    return structuredClone(this.settings);
  }

  file(): string {
    return settingsPath(this.config.data_dir);
  }

  /** Where the value at a YAML key path comes from now. */
  sourceOf(path: readonly string[]): ConfigSource {
    return sourceOf(this.layers, path);
  }

  /** Every leaf of the effective config with its source (`GET /api/v1/config`). */
  sources(): Record<string, ConfigSource> {
    return configSources(this.layers, this.config as unknown as Record<string, unknown>);
  }

  /** The folders the local model library scans: the configured ones, else the defaults. */
  modelFolders(hubRoot: string): string[] {
    const folders = this.config.models.folders;
    if (folders.length > 0) return folders.map((f) => expandHome(f, this.home));
    return [hubRoot, join(this.home, 'models')];
  }

  /** Replaces all settings (PUT /api/v1/settings); 400 naming the key on a bad value. */
  async replace(body: unknown): Promise<Settings> {
    const parsed = SettingsSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AppError(
        'validation_error',
        `${issue.path.join('.') || '(body)'}: ${issue.message}`,
      );
    }
    return this.save(prune(parsed.data));
  }

  /** Changes some settings, keeping the others; `undefined` values remove a key. */
  async update(change: (draft: Settings) => void): Promise<Settings> {
    const draft = structuredClone(this.settings);
    change(draft);
    return this.replace(draft);
  }

  describe(hubRoot: string): SettingsResponse {
    const backends = Object.fromEntries(
      SETTINGS_BACKENDS.map((b) => {
        const bc = this.config.backends[b];
        return [
          b,
          {
            command: { value: bc.command, source: this.sourceOf(['backends', b, 'command']) },
            args: { value: bc.args, source: this.sourceOf(['backends', b, 'args']) },
          },
        ];
      }),
    ) as SettingsResponse['effective']['backends'];
    return {
      settings: this.get(),
      effective: {
        backends,
        models: {
          folders: {
            value: this.config.models.folders,
            source: this.sourceOf(['models', 'folders']),
          },
          scanned: this.modelFolders(hubRoot),
        },
      },
      file: this.file(),
    };
  }

  private async save(next: Settings): Promise<Settings> {
    // Validated as a whole config before anything is written or applied.
    this.compose(next);
    const run = this.writing.then(() => writeSettingsFile(this.config.data_dir, next));
    this.writing = run.catch(() => {});
    await run;
    this.apply(next);
    this.log.info('settings changed', { file: this.file() });
    return this.get();
  }

  private compose(settings: Settings): { layers: ConfigLayer[]; config: AppConfig } {
    const layers = withSettingsLayer(this.layers, settings as Record<string, unknown>);
    try {
      return { layers, config: finalizeConfig(mergeLayers(layers)) };
    } catch (err) {
      if (err instanceof ConfigError) throw new AppError('validation_error', err.message);
      throw err;
    }
  }

  /** Writes the settable values into the live config object (services read it at use time). */
  private apply(settings: Settings): void {
    const { layers, config: next } = this.compose(settings);
    for (const b of SETTINGS_BACKENDS) {
      this.config.backends[b].command = next.backends[b].command;
      this.config.backends[b].args = next.backends[b].args;
    }
    this.config.models.folders = next.models.folders;
    this.layers = layers;
    this.settings = structuredClone(settings);
  }
}

function safeRead(dataDir: string, log: Logger): Settings {
  try {
    return readSettingsFile(dataDir);
  } catch (err) {
    log.warn('settings file ignored', { error: (err as Error).message });
    return {};
  }
}

/** Drops empty sections so the file only holds what the user set. */
function prune(s: Settings): Settings {
  const out: Settings = {};
  const backends: NonNullable<Settings['backends']> = {};
  for (const b of SETTINGS_BACKENDS) {
    const v = s.backends?.[b];
    if (!v) continue;
    const kept = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined));
    if (Object.keys(kept).length > 0) backends[b] = kept;
  }
  if (Object.keys(backends).length > 0) out.backends = backends;
  if (s.models?.folders !== undefined) out.models = { folders: s.models.folders };
  return out;
}

export function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}
