import {
  instanceOptionsSchema,
  type InstanceDefaults,
  type InstanceSchemaContext,
} from '../../../shared/api/instance-schema';
import type { BackendType, InstanceOptions } from '../../../shared/api/instances';
import { instanceNameError } from '../../../shared/api/instances';
import { backendOf } from '../../../shared/backends';
import { fromRows, toRows, type KvRow } from '../../lib/kv-rows';

/** The create/edit form's working copy. Rows stay rows until saved so editing never loses focus. */
export interface Draft {
  name: string;
  backend_type: BackendType;
  backend_options: Record<string, unknown>;
  extra: KvRow[];
  env: KvRow[];
  auto_restart: boolean;
  max_restarts: number | string;
  restart_delay: number | string;
  on_demand_start: boolean;
  idle_timeout: number | string;
  docker_enabled: boolean | undefined;
  command_override: string;
  group: string;
  node: string;
  preset_ini: string;
  skip_memory_check: boolean;
}

export type { InstanceDefaults };

export const FALLBACK_DEFAULTS: InstanceDefaults = {
  auto_restart: true,
  max_restarts: 3,
  restart_delay: 5,
  on_demand_start: true,
  idle_timeout: 30,
};

export function defaultsFromConfig(config: Record<string, any> | undefined): InstanceDefaults {
  const i = config?.instances ?? {};
  return {
    auto_restart: i.default_auto_restart ?? FALLBACK_DEFAULTS.auto_restart,
    max_restarts: i.default_max_restarts ?? FALLBACK_DEFAULTS.max_restarts,
    restart_delay: i.default_restart_delay ?? FALLBACK_DEFAULTS.restart_delay,
    on_demand_start: i.default_on_demand_start ?? FALLBACK_DEFAULTS.on_demand_start,
    idle_timeout: i.default_idle_timeout ?? FALLBACK_DEFAULTS.idle_timeout,
  };
}

export function emptyDraft(defaults: InstanceDefaults): Draft {
  return {
    name: '',
    backend_type: 'llama_cpp',
    backend_options: {},
    extra: [],
    env: [],
    ...defaults,
    docker_enabled: undefined,
    command_override: '',
    group: '',
    node: '',
    preset_ini: '',
    skip_memory_check: false,
  };
}

export function draftFromOptions(name: string, o: Partial<InstanceOptions>, base: Draft): Draft {
  const { extra_args, ...bo } = (o.backend_options ?? {}) as Record<string, unknown>;
  return {
    ...base,
    name,
    backend_type: o.backend_type ?? base.backend_type,
    backend_options: o.backend_options ? bo : base.backend_options,
    extra: o.backend_options
      ? toRows(extra_args as Record<string, string> | undefined)
      : base.extra,
    env: o.environment ? toRows(o.environment) : base.env,
    auto_restart: o.auto_restart ?? base.auto_restart,
    max_restarts: o.max_restarts ?? base.max_restarts,
    restart_delay: o.restart_delay ?? base.restart_delay,
    on_demand_start: o.on_demand_start ?? base.on_demand_start,
    idle_timeout: o.idle_timeout ?? base.idle_timeout,
    docker_enabled: o.docker_enabled ?? base.docker_enabled,
    command_override: o.command_override ?? base.command_override,
    group: o.group ?? base.group,
    node: o.nodes?.[0] ?? base.node,
    preset_ini: o.preset_ini ?? base.preset_ini,
    skip_memory_check: o.skip_memory_check ?? base.skip_memory_check,
  };
}

const num = (v: number | string) =>
  typeof v === 'number' ? v : v.trim() === '' ? undefined : Number(v);

/** The request body: blanks dropped, so server defaults apply to what the user left empty. */
export function draftToOptions(d: Draft): InstanceOptions {
  const bo: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d.backend_options)) {
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    bo[k] = v;
  }
  // Flags exactly as written: the server renders `-fa` as `-fa` and `fa` as `--fa`.
  const extra = fromRows(d.extra);
  if (extra) bo.extra_args = extra;
  const backend = backendOf(d.backend_type);
  const o: InstanceOptions = {
    backend_type: d.backend_type,
    backend_options: bo,
    auto_restart: d.auto_restart,
    max_restarts: num(d.max_restarts) as number,
    restart_delay: num(d.restart_delay) as number,
    on_demand_start: d.on_demand_start,
    idle_timeout: num(d.idle_timeout) as number,
  };
  const env = fromRows(d.env);
  if (env) o.environment = env;
  if (backend.docker && d.docker_enabled !== undefined) o.docker_enabled = d.docker_enabled;
  // as written: the server splits it like a shell would, so spaces and quotes matter
  if (d.command_override.trim()) o.command_override = d.command_override;
  if (d.group.trim()) o.group = d.group.trim();
  if (d.node) o.nodes = [d.node];
  if (d.preset_ini.trim() && backend.presetFlag) o.preset_ini = d.preset_ini;
  if (d.skip_memory_check) o.skip_memory_check = true;
  for (const k of ['max_restarts', 'restart_delay', 'idle_timeout'] as const)
    if (o[k] === undefined) delete o[k];
  return o;
}

export type DraftErrors = Record<string, string>;

/** the schema with the form's defaults (they only shape the parsed result, not the rules) */
let defaultSchema: ReturnType<typeof instanceOptionsSchema> | undefined;

/**
 * Client-side checks: the server's own instance schema (shared/api/instance-schema.ts, the same
 * rules, ranges and messages) on the options the form would send, plus what only a form has
 * (the name, text in a number input).
 */
export function validateDraft(
  d: Draft,
  mode: 'create' | 'edit',
  ctx?: InstanceSchemaContext,
): DraftErrors {
  const e: DraftErrors = {};
  if (mode === 'create') {
    const n = d.name.trim() === '' ? 'Give the instance a name.' : instanceNameError(d.name);
    if (n) e.name = n;
  }
  const options: Record<string, unknown> = { ...draftToOptions(d) };
  for (const k of ['max_restarts', 'restart_delay', 'idle_timeout'] as const) {
    if (!Number.isNaN(num(d[k]))) continue;
    e[k] = 'must be a number';
    delete options[k];
  }
  const schema = ctx
    ? instanceOptionsSchema(ctx)
    : (defaultSchema ??= instanceOptionsSchema({ defaults: FALLBACK_DEFAULTS }));
  const r = schema.safeParse(options);
  if (!r.success) {
    for (const issue of r.error.issues) {
      const path = issue.path.map(String).join('.');
      e[path] ??= issue.message;
    }
  }
  if (d.command_override.trim() && d.docker_enabled && backendOf(d.backend_type).docker)
    e.command_override =
      'a command override is ignored while Docker is enabled; turn one of them off';
  return e;
}

export type DialogTab = 'general' | 'backend' | 'options' | 'advanced';

export const TAB_LABELS: Record<DialogTab, string> = {
  general: 'General',
  backend: 'Backend',
  options: 'Options',
  advanced: 'Advanced',
};

const FIELD_LABELS: Record<string, string> = {
  name: 'Name',
  group: 'Group',
  idle_timeout: 'Idle timeout',
  max_restarts: 'Max restarts',
  restart_delay: 'Restart delay',
  command_override: 'Command override',
  environment: 'Environment variables',
  preset_ini: 'preset.ini',
  'backend_options.extra_args': 'Extra arguments',
};

/**
 * The form's name of the field an error path points at (`environment.FOO` is the environment
 * editor, `backend_options.ctx_size` the ctx_size option), or null when the form shows no such
 * field (the error then goes above the form, as a sentence of its own).
 */
export function fieldLabel(path: string, optionKeys: readonly string[]): string | null {
  for (const [p, label] of Object.entries(FIELD_LABELS))
    if (path === p || path.startsWith(`${p}.`)) return label;
  const m = /^backend_options\.([^.]+)/.exec(path);
  if (m && optionKeys.includes(m[1])) return m[1];
  return null;
}

/** The element to focus for an error path: the most specific `data-field` that exists. */
export function fieldSelectors(path: string): string[] {
  const out: string[] = [];
  const parts = path.split('.');
  for (let n = parts.length; n >= 1; n--) {
    const p = parts.slice(0, n).join('.');
    out.push(`[data-field="${p}"]`);
    if (parts[0] === 'backend_options' && n === 2) out.push(`[data-option="${parts[1]}"]`);
  }
  return out;
}

export function tabOfField(path: string): DialogTab {
  if (path.startsWith('backend_options.extra_args') || path === 'preset_ini') return 'advanced';
  if (path.startsWith('backend_options')) return 'options';
  if (
    ['backend_type', 'environment', 'command_override', 'docker_enabled'].some((p) =>
      path.startsWith(p),
    )
  )
    return 'backend';
  return 'general';
}

/**
 * Maps a server 400 to a field: the server's details name the field first
 * (`backend_options.ctx_size: must be an integer`); name errors come with their own codes.
 */
export function fieldErrorFromServer(
  code: string,
  details: string,
): { path: string; message: string } | null {
  if (code === 'instance_exists')
    return { path: 'name', message: 'The name is already taken. Choose another one.' };
  if (code === 'invalid_instance_name') return { path: 'name', message: details };
  const m = /^([A-Za-z_][\w.[\]-]*):\s*(.+)$/s.exec(details.trim());
  if (!m) return null;
  return { path: m[1], message: m[2] };
}
