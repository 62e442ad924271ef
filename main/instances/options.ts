import type { InstanceOptions } from '../../shared/api/instances';
import {
  instanceOptionsSchema,
  issueText,
  sortKeys,
  type InstanceSchemaContext,
} from '../../shared/api/instance-schema';
import { AppError } from '../../shared/errors';
import type { AppConfig } from '../config/schema';

/** The schema's context from the config: its defaults and configured nodes. */
export function schemaContext(config: AppConfig): InstanceSchemaContext {
  const d = config.instances;
  return {
    defaults: {
      auto_restart: d.default_auto_restart,
      max_restarts: d.default_max_restarts,
      restart_delay: d.default_restart_delay,
      on_demand_start: d.default_on_demand_start,
      idle_timeout: d.default_idle_timeout,
    },
    nodes: Object.keys(config.nodes),
  };
}

/**
 * Validates a create/update body (llamactl's options object) with the shared instance schema
 * (shared/api/instance-schema.ts; the dashboard's form runs the same) and materialises the
 * defaults, as llamactl does, so later changes of config defaults do not affect existing
 * instances. Deliberate differences: a wrong type names the field (400 `validation_error`)
 * instead of a bare "Invalid request body"; negative counts and durations are refused instead
 * of becoming 0; `group` breaking the name rule is refused instead of silently dropped;
 * `idle_timeout` (minutes) may be fractional so short timeouts can be tested.
 */
export function parseInstanceOptions(body: unknown, config: AppConfig): InstanceOptions {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError(
      'invalid_request',
      'request body must be a JSON object with the instance options',
    );
  }
  // Built per call: the live config (defaults, nodes) can change, and creates are rare.
  const r = instanceOptionsSchema(schemaContext(config)).safeParse(body);
  if (!r.success) throw new AppError('validation_error', issueText(r.error.issues[0]));
  return r.data;
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
