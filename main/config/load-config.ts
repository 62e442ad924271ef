import { parse as parseDotenv } from 'dotenv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type * as YamlLibrary from 'yaml';
import { AppConfigSchema, type AppConfig } from './schema';
import { currentPlatform, defaultConfig, vllmDockerArgs, type PlatformInfo } from './defaults';
import { configFileCandidates, dotenvCandidates } from './discovery';
import { envOverrides, EnvParseError } from './env-overrides';
import { expandEnvVars, unsetReferences } from './expand';
import { unknownKeys } from './unknown-keys';
import { rememberLayers, withSettingsLayer, type ConfigLayer } from './layers';
import { readSettingsFile, SettingsFileError } from '../settings/settings-file';

export interface LoadConfigOptions {
  /** the environment; defaults to process.env (which then also receives the .env values) */
  env?: NodeJS.ProcessEnv;
  platform?: PlatformInfo;
  /**
   * folder for ./llamactl.yaml, ./config.yaml and ./.env; defaults to process.cwd(). null: none
   * (the desktop app, whose working folder is wherever the OS launched it: / or $HOME)
   */
  cwd?: string | null;
  /** look for a config file and a .env at all (tests turn this off to stay hermetic) */
  files?: boolean;
  /** extra values merged last (tests, the desktop app's preferences) */
  overrides?: Record<string, unknown>;
  /**
   * apply the dashboard settings of `<data_dir>/settings.json` (over the file, under the
   * environment); defaults to `files`, so hermetic tests read none unless they ask
   */
  settings?: boolean;
}

export interface LoadedConfig {
  config: AppConfig;
  /** the YAML file used, if any */
  configFile: string | null;
  /** the .env file used, if any */
  dotenvFile: string | null;
  /** the .env variables that were not already in the environment (the only ones used) */
  dotenv: Record<string, string>;
  /** not fatal, for the start-up log: unknown keys in the file, each naming file and key */
  warnings: string[];
  /** every source, lowest first, for "where did this value come from" */
  layers: ConfigLayer[];
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Deep merge for plain objects: maps merge key by key, arrays and scalars are replaced. A null
 * (an empty YAML key such as `docker:`) keeps the value below it, as llamactl's decoder does.
 */
export function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined || v === null) continue;
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Fills paths derived from data_dir and validates; a bad value names key, value and rule. */
export function finalizeConfig(raw: Record<string, unknown>, sources: string[] = []): AppConfig {
  const merged = structuredClone(raw) as Record<string, any>;
  const dataDir = merged.data_dir as string;
  merged.instances ??= {};
  merged.database ??= {};
  if (typeof dataDir === 'string' && dataDir) {
    if (!merged.instances.logs_dir) merged.instances.logs_dir = join(dataDir, 'logs');
    if (!merged.instances.instances_dir)
      merged.instances.instances_dir = join(dataDir, 'instances');
    if (!merged.database.path) merged.database.path = join(dataDir, 'llamactl.db');
    const vllmDocker = merged.backends?.vllm?.docker;
    if (isPlainObject(vllmDocker) && vllmDocker.args === undefined)
      vllmDocker.args = vllmDockerArgs(dataDir);
  }
  const localNode = (merged.local_node as string) || 'main';
  if (!isPlainObject(merged.nodes)) merged.nodes = {};
  if (!merged.nodes[localNode]) merged.nodes[localNode] = { address: '' };
  const parsed = AppConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = issue.path.join('.');
      const value = issue.path.reduce<any>(
        (o, k) => (o == null ? undefined : o[k as string]),
        merged,
      );
      return `  ${key || '(root)'} = ${value === undefined ? '(missing)' : JSON.stringify(value)}: ${issue.message}`;
    });
    const from = sources.length ? ` (sources, lowest first: ${sources.join(', ')})` : '';
    throw new ConfigError(`invalid configuration${from}:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** The first file of `candidates` that can be read, with its text. */
function firstReadable(candidates: string[]): { path: string; text: string } | null {
  for (const path of candidates) {
    try {
      return { path, text: readFileSync(path, 'utf8') };
    } catch {
      // unreadable or absent: try the next one, as llamactl does
    }
  }
  return null;
}

// Required on first use: most starts have no configuration file, and the parser is one of the
// heavier modules to load.
let yamlLibrary: typeof YamlLibrary | undefined;
const loadYaml = (): typeof YamlLibrary =>
  (yamlLibrary ??= createRequire(import.meta.url)('yaml') as typeof YamlLibrary);

/** The dotted key path of the value that contains `offset` in a parsed YAML document. */
function keyPathAt(node: unknown, offset: number, path: string[] = []): string[] | null {
  const yaml = loadYaml();
  const inside = (n: unknown) => {
    const range = (n as { range?: [number, number, number] } | null)?.range;
    return !!range && offset >= range[0] && offset < range[2];
  };
  if (yaml.isMap(node)) {
    for (const pair of node.items) {
      const key = yaml.isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (inside(pair.value)) return keyPathAt(pair.value, offset, [...path, key]);
      if (inside(pair.key)) return [...path, key];
    }
    return null;
  }
  if (yaml.isSeq(node)) {
    for (const [i, item] of node.items.entries())
      if (inside(item)) return keyPathAt(item, offset, [...path, String(i)]);
    return null;
  }
  return inside(node) ? path : null;
}

/**
 * `${VAR}` with VAR unset is an error naming each key and variable (a comment may say anything).
 * The keys are found in the file as written, before expansion.
 */
function assertNoUnsetReferences(
  path: string,
  text: string,
  env: Record<string, string | undefined>,
) {
  const refs = unsetReferences(text, env);
  if (refs.length === 0) return;
  const raw = loadYaml().parseDocument(text);
  const lines: string[] = [];
  for (const ref of refs) {
    const key = raw.errors.length ? ['(unparsed)'] : keyPathAt(raw.contents, ref.offset);
    if (!key) continue;
    lines.push(
      `  ${key.join('.') || '(root)'} uses \${${ref.name}}, which is not set (set it, or write \${${ref.name}:-default} for a fallback)`,
    );
  }
  if (lines.length)
    throw new ConfigError(`${path}: unset environment variable:\n${lines.join('\n')}`);
}

function parseYamlConfig(
  path: string,
  text: string,
  env: Record<string, string | undefined>,
): Record<string, unknown> {
  assertNoUnsetReferences(path, text, env);
  const doc = loadYaml().parseDocument(expandEnvVars(text, env), { prettyErrors: true });
  if (doc.errors.length) {
    throw new ConfigError(
      `cannot parse ${path}:\n${doc.errors.map((e) => '  ' + e.message.split('\n')[0]).join('\n')}`,
    );
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value))
    throw new ConfigError(
      `${path}: the top level must be a mapping of keys (got ${Array.isArray(value) ? 'a list' : typeof value})`,
    );
  return value;
}

function overridesFrom(env: Record<string, string | undefined>): Record<string, unknown> {
  try {
    return envOverrides(env);
  } catch (err) {
    if (err instanceof EnvParseError)
      throw new ConfigError(`invalid environment variable:\n  ${err.message}`);
    throw err;
  }
}

/**
 * Builds the configuration. Precedence, lowest first: built-in defaults < `.env` < YAML file <
 * environment < `overrides`. The `.env` never overrides a variable that is already set; its
 * values feed `${VAR}` expansion in the file and the `LLAMACTL_*` overrides of the `.env` layer,
 * and (when reading process.env) are added to process.env so backends inherit them.
 */
export function loadConfigDetailed(opts: LoadConfigOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? currentPlatform(env);
  const cwd = opts.cwd === null ? null : (opts.cwd ?? process.cwd());
  const files = opts.files ?? true;
  const explicit = env.LLAMACTL_CONFIG_PATH || undefined;
  const sources = ['defaults'];

  let dotenvFile: string | null = null;
  const dotenv: Record<string, string> = {};
  if (files) {
    const found = firstReadable(dotenvCandidates(platform, cwd, explicit));
    if (found) {
      dotenvFile = found.path;
      sources.push(found.path);
      for (const [k, v] of Object.entries(parseDotenv(found.text)))
        if (env[k] === undefined) dotenv[k] = v;
    }
  }
  const combinedEnv: Record<string, string | undefined> = { ...dotenv, ...env };

  const layers: ConfigLayer[] = [{ source: 'default', values: defaultConfig(platform) }];
  const dotenvValues = overridesFrom(dotenv);
  if (Object.keys(dotenvValues).length > 0) layers.push({ source: '.env', values: dotenvValues });

  let configFile: string | null = null;
  const warnings: string[] = [];
  if (files) {
    const found = firstReadable(configFileCandidates(platform, cwd, explicit));
    if (!found && explicit) {
      // llamactl silently starts with defaults here; a wrong path would then go unnoticed.
      throw new ConfigError(`LLAMACTL_CONFIG_PATH=${explicit}: the file cannot be read`);
    }
    if (found) {
      configFile = found.path;
      sources.push(found.path);
      const fromFile = parseYamlConfig(found.path, found.text, combinedEnv);
      // Not fatal: a llamactl config may carry keys of a newer llamactl.
      for (const key of unknownKeys(AppConfigSchema, fromFile))
        warnings.push(`${found.path}: unknown key ${key} (ignored)`);
      layers.push({ source: 'file', values: fromFile });
    }
  }

  layers.push({ source: 'environment', values: overridesFrom(env) });
  sources.push('environment');
  if (opts.overrides) {
    layers.push({ source: 'overrides', values: opts.overrides });
    sources.push('overrides');
  }

  let finalLayers = layers;
  if (opts.settings ?? files) {
    // The settings live in the data dir, which any other source may move.
    const dataDir = mergeLayers(layers).data_dir;
    if (typeof dataDir === 'string' && dataDir) {
      let settings;
      try {
        settings = readSettingsFile(dataDir);
      } catch (err) {
        if (err instanceof SettingsFileError) throw new ConfigError(err.message);
        throw err;
      }
      if (Object.keys(settings).length > 0) {
        finalLayers = withSettingsLayer(layers, settings);
        sources.splice(sources.indexOf('environment'), 0, 'settings');
      }
    }
  }
  const config = finalizeConfig(mergeLayers(finalLayers), sources);
  rememberLayers(config, finalLayers);

  if (env === process.env) for (const [k, v] of Object.entries(dotenv)) process.env[k] ??= v;
  return { config, configFile, dotenvFile, dotenv, warnings, layers: finalLayers };
}

/** The layers merged in order (the raw config before validation). */
export function mergeLayers(layers: readonly ConfigLayer[]): Record<string, unknown> {
  return layers.reduce<Record<string, unknown>>((raw, l) => deepMerge(raw, l.values), {});
}

export function loadConfig(opts: LoadConfigOptions = {}): AppConfig {
  return loadConfigDetailed(opts).config;
}
