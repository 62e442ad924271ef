import { join } from 'node:path';
import { AppConfigSchema, type AppConfig } from './schema';
import { currentPlatform, defaultConfig, type PlatformInfo } from './defaults';

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  platform?: PlatformInfo;
  /** extra values merged last (tests, the desktop app's preferences) */
  overrides?: Record<string, unknown>;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Deep merge for plain objects: maps merge key by key, arrays and scalars are replaced. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Fills paths derived from data_dir and validates; a bad value names key, value and rule. */
export function finalizeConfig(raw: Record<string, unknown>): AppConfig {
  const merged = structuredClone(raw) as Record<string, any>;
  const dataDir = merged.data_dir as string;
  merged.instances ??= {};
  merged.database ??= {};
  if (!merged.instances.logs_dir) merged.instances.logs_dir = join(dataDir, 'logs');
  if (!merged.instances.instances_dir) merged.instances.instances_dir = join(dataDir, 'instances');
  if (!merged.database.path) merged.database.path = join(dataDir, 'llamactl.db');
  const localNode = (merged.local_node as string) || 'main';
  merged.nodes ??= {};
  if (!merged.nodes[localNode]) merged.nodes[localNode] = { address: '' };
  const parsed = AppConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = issue.path.join('.');
      const value = issue.path.reduce<any>((o, k) => (o == null ? undefined : o[k as string]), merged);
      return `  ${key || '(root)'} = ${JSON.stringify(value)}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export function loadConfig(opts: LoadConfigOptions = {}): AppConfig {
  const platform = opts.platform ?? currentPlatform(opts.env ?? process.env);
  let raw = defaultConfig(platform);
  if (opts.overrides) raw = deepMerge(raw, opts.overrides);
  return finalizeConfig(raw);
}
