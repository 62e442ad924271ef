import type { AppConfig } from './schema';

/**
 * Where a configuration value came from, lowest precedence first. `settings` are the values
 * changed in the dashboard (kept in `<data_dir>/settings.json`); they apply over the config file
 * and under the environment, so an environment variable still wins, as in llamactl.
 */
export const CONFIG_SOURCES = [
  'default',
  '.env',
  'file',
  'settings',
  'environment',
  'overrides',
] as const;
export type ConfigSource = (typeof CONFIG_SOURCES)[number];

export interface ConfigLayer {
  source: ConfigSource;
  /** a partial config in the YAML structure */
  values: Record<string, unknown>;
}

// Keyed by the config object itself, so every holder of a loaded config (CLI, desktop app,
// tests) can ask where its values came from without another parameter threaded through.
const layersOf = new WeakMap<AppConfig, ConfigLayer[]>();

export function rememberLayers(config: AppConfig, layers: ConfigLayer[]): void {
  layersOf.set(config, layers);
}

export function configLayers(config: AppConfig): ConfigLayer[] | undefined {
  return layersOf.get(config);
}

/** The layers with `settings` put in its place (replacing an earlier settings layer). */
export function withSettingsLayer(
  layers: readonly ConfigLayer[],
  settings: Record<string, unknown>,
): ConfigLayer[] {
  const out = layers.filter((l) => l.source !== 'settings');
  const rank = CONFIG_SOURCES.indexOf('settings');
  const at = out.findIndex((l) => CONFIG_SOURCES.indexOf(l.source) > rank);
  out.splice(at === -1 ? out.length : at, 0, { source: 'settings', values: settings });
  return out;
}

function valueAt(values: Record<string, unknown>, path: readonly string[]): unknown {
  let node: unknown = values;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/**
 * The source of the value at `path`: the highest layer that sets it (a null, an empty YAML key,
 * sets nothing). Values no layer sets (paths derived from data_dir) count as defaults.
 */
export function sourceOf(layers: readonly ConfigLayer[], path: readonly string[]): ConfigSource {
  for (let i = layers.length - 1; i >= 0; i--) {
    const v = valueAt(layers[i].values, path);
    if (v !== undefined && v !== null) return layers[i].source;
  }
  return 'default';
}

/**
 * Every leaf of `config` (lists and empty maps count as leaves) with its source, as
 * dotted keys: `{"server.port": "file", "backends.llama-cpp.command": "settings", ...}`.
 */
export function configSources(
  layers: readonly ConfigLayer[],
  config: Record<string, unknown>,
): Record<string, ConfigSource> {
  const out: Record<string, ConfigSource> = {};
  const walk = (node: unknown, path: string[]) => {
    if (
      typeof node === 'object' &&
      node !== null &&
      !Array.isArray(node) &&
      Object.keys(node).length > 0
    ) {
      for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
      return;
    }
    out[path.join('.')] = sourceOf(layers, path);
  };
  walk(config, []);
  return out;
}
