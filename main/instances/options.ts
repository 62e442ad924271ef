import {
  instanceNameError,
  MAX_IDLE_TIMEOUT_MIN,
  MAX_RESTART_DELAY_S,
  type BackendType,
  type InstanceOptions,
} from '../../shared/api/instances';
import { backendTypes, findBackend } from '../../shared/backends';
import { AppError } from '../../shared/errors';
import { splitCommandOverride } from '../../shared/backends/argv';
import { normalizeBackendOptions } from '../backends/index';
import type { AppConfig } from '../config/schema';

type Raw = Record<string, unknown>;

const bad = (field: string, rule: string) => new AppError('validation_error', `${field}: ${rule}`);

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optBool(body: Raw, key: string, dflt: boolean): boolean {
  const v = body[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw bad(key, `must be a boolean (got ${JSON.stringify(v)})`);
  return v;
}

/**
 * Negative values are refused (llamactl turns them into 0, which hid the mistake). `max` bounds
 * durations (see MAX_RESTART_DELAY_S).
 */
function optInt(
  body: Raw,
  key: string,
  dflt: number,
  max?: { value: number; unit: string },
): number {
  const v = body[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw bad(key, `must be an integer (got ${JSON.stringify(v)})`);
  if (v < 0) throw bad(key, `must be ≥ 0 (got ${v})`);
  if (max && v > max.value) throw bad(key, `must be at most ${max.value} ${max.unit} (got ${v})`);
  return v;
}

/** Node cannot pass a NUL byte in argv or the environment; refuse it where it enters. */
function refuseNul(value: unknown, field: string): void {
  if (typeof value === 'string') {
    if (value.includes('\0')) throw bad(field, 'must not contain a NUL byte');
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => refuseNul(v, `${field}[${i}]`));
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\0')) throw bad(field, 'must not contain a key with a NUL byte');
      refuseNul(v, `${field}.${k}`);
    }
  }
}

function optString(body: Raw, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(key, `must be a string (got ${JSON.stringify(v)})`);
  return v;
}

/**
 * Validates a create/update body (llamactl's options object) and materialises the defaults, as
 * llamactl does, so later changes of config defaults do not affect existing instances.
 * Deliberate differences: a wrong type names the field (400 `validation_error`) instead of a bare
 * "Invalid request body"; `group` breaking the name rule is refused instead of silently dropped;
 * `idle_timeout` (minutes) may be fractional so short timeouts can be tested.
 */
export function parseInstanceOptions(body: unknown, config: AppConfig): InstanceOptions {
  if (!isObject(body)) {
    throw new AppError(
      'invalid_request',
      'request body must be a JSON object with the instance options',
    );
  }
  const bt = body.backend_type;
  if (bt === undefined || bt === null || bt === '')
    throw bad('backend_type', `is required (one of ${backendTypes().join(', ')})`);
  const descriptor = typeof bt === 'string' ? findBackend(bt) : undefined;
  if (!descriptor) {
    throw bad(
      'backend_type',
      `must be one of ${backendTypes().join(', ')} (got ${JSON.stringify(bt)})`,
    );
  }
  const backendType = bt as BackendType;
  const rawBackend = body.backend_options ?? {};
  if (!isObject(rawBackend)) throw bad('backend_options', 'must be an object');
  const backendOptions = sortKeys(normalizeBackendOptions(backendType, rawBackend));

  const d = config.instances;
  const idleRaw = body.idle_timeout;
  let idle = d.default_idle_timeout;
  if (idleRaw !== undefined && idleRaw !== null) {
    if (typeof idleRaw !== 'number' || !Number.isFinite(idleRaw)) {
      throw bad('idle_timeout', `must be a number of minutes (got ${JSON.stringify(idleRaw)})`);
    }
    // llamactl turns a negative value into 0, which means "never": a typo must not do that
    if (idleRaw < 0) throw bad('idle_timeout', `must be ≥ 0 (got ${idleRaw}; 0 = never)`);
    if (idleRaw > MAX_IDLE_TIMEOUT_MIN) {
      throw bad(
        'idle_timeout',
        `must be at most ${MAX_IDLE_TIMEOUT_MIN} minutes (7 days; 0 = never) (got ${idleRaw})`,
      );
    }
    idle = idleRaw;
  }

  let nodes: string[] | undefined;
  if (body.nodes !== undefined && body.nodes !== null) {
    if (!Array.isArray(body.nodes) || body.nodes.some((n) => typeof n !== 'string')) {
      throw bad('nodes', 'must be an array of node names');
    }
    for (const n of body.nodes as string[]) {
      if (!config.nodes[n])
        throw bad(
          'nodes',
          `unknown node ${JSON.stringify(n)} (configured: ${Object.keys(config.nodes).join(', ')})`,
        );
    }
    nodes = body.nodes.length ? [...new Set(body.nodes as string[])] : undefined;
  }

  let environment: Record<string, string> | undefined;
  if (body.environment !== undefined && body.environment !== null) {
    if (!isObject(body.environment)) throw bad('environment', 'must be an object of string values');
    for (const [k, v] of Object.entries(body.environment)) {
      // An empty name or one with `=` cannot be passed to a process (execve splits at `=`).
      if (k === '' || k.includes('=') || k.includes('\0'))
        throw bad(
          'environment',
          `variable name ${JSON.stringify(k)} is not valid (empty, or contains = or a NUL byte)`,
        );
      if (typeof v !== 'string')
        throw bad(`environment.${k}`, `must be a string (got ${JSON.stringify(v)})`);
    }
    environment = body.environment as Record<string, string>;
  }

  let group = optString(body, 'group');
  if (group === '') group = undefined;
  if (group !== undefined) {
    const err = instanceNameError(group);
    if (err) throw bad('group', err.replace(/^name/, 'group name'));
  }

  let dockerEnabled =
    body.docker_enabled === null ? undefined : (body.docker_enabled as boolean | undefined);
  if (dockerEnabled !== undefined && typeof dockerEnabled !== 'boolean') {
    throw bad('docker_enabled', `must be a boolean (got ${JSON.stringify(dockerEnabled)})`);
  }
  // llamactl: a backend without docker support (mlx_lm) never runs in docker.
  if (!descriptor.docker && dockerEnabled === true) dockerEnabled = undefined;
  let commandOverride = optString(body, 'command_override');
  if (commandOverride?.trim() === '') commandOverride = undefined;
  // Refused here, like every other bad value, rather than at every start.
  if (commandOverride !== undefined) splitCommandOverride(commandOverride);
  // llamactl: an instance that asks for docker itself cannot also override the command.
  if (dockerEnabled === true) commandOverride = undefined;
  let presetIni = optString(body, 'preset_ini');
  if (presetIni === '') presetIni = undefined;

  const out: InstanceOptions = {
    ...(nodes ? { nodes } : {}),
    backend_type: backendType,
    backend_options: backendOptions,
    auto_restart: optBool(body, 'auto_restart', d.default_auto_restart),
    max_restarts: optInt(body, 'max_restarts', d.default_max_restarts),
    restart_delay: optInt(body, 'restart_delay', d.default_restart_delay, {
      value: MAX_RESTART_DELAY_S,
      unit: 'seconds (1 day)',
    }),
    on_demand_start: optBool(body, 'on_demand_start', d.default_on_demand_start),
    idle_timeout: idle,
  };
  if (environment) out.environment = environment;
  if (presetIni !== undefined) out.preset_ini = presetIni;
  if (dockerEnabled !== undefined) out.docker_enabled = dockerEnabled;
  if (commandOverride !== undefined) out.command_override = commandOverride;
  if (group !== undefined) out.group = group;
  refuseNul(out.backend_options, 'backend_options');
  refuseNul(out.environment, 'environment');
  refuseNul(out.command_override, 'command_override');
  refuseNul(out.preset_ini, 'preset_ini');
  return out;
}

/** llamactl emits backend_options keys alphabetically (they pass through a Go map). */
function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The instance's port as stored in backend_options (0/absent = none yet). */
export function optionPort(o: InstanceOptions): number | undefined {
  const p = o.backend_options.port;
  return typeof p === 'number' && p > 0 ? p : undefined;
}

export function withPort(o: InstanceOptions, port: number): InstanceOptions {
  return { ...o, backend_options: sortKeys({ ...o.backend_options, port }) };
}

/** Where llamactl talks to the backend: 127.0.0.1 when the bind address is empty or a wildcard. */
export function connectHost(o: InstanceOptions): string {
  const h = o.backend_options.host;
  if (typeof h !== 'string' || h === '' || h === '0.0.0.0' || h === '::' || h === '[::]')
    return '127.0.0.1';
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}
