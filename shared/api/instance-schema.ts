import { z } from 'zod';
import { splitCommandOverride } from '../backends/argv';
import { backendDescriptors, backendTypes, findBackend } from '../backends/descriptors';
import { backendOptionsSchema, rangeText } from '../backends/index';
import { normalizeBackendOptions } from '../backends/normalize';
import type { BackendOptionField } from '../backends/types';
import { isAppError } from '../errors';
import {
  instanceNameError,
  MAX_IDLE_TIMEOUT_MIN,
  MAX_RESTART_DELAY_S,
  type BackendType,
  type InstanceOptions,
} from './instances';

/**
 * The instance options (request body of create/update, `options` in responses) as one zod
 * schema: the server's parser (main/instances/options.ts) and the dashboard's form
 * (renderer/features/instances/draft.ts) both run `instanceOptionsSchema`, and
 * `instanceOptionsJsonSchema` publishes the same field schemas as JSON Schema (OpenAPI,
 * editors). The wire format is llamactl's; the rules and messages are the server's
 * (docs/instances.md). Backend options are checked against the option tables
 * (shared/backends/*.ts), which carry the numeric ranges; nothing here repeats them.
 */

/** The config defaults materialised into every instance (llamactl does the same). */
export interface InstanceDefaults {
  auto_restart: boolean;
  max_restarts: number;
  restart_delay: number;
  on_demand_start: boolean;
  idle_timeout: number;
}

export interface InstanceSchemaContext {
  defaults: InstanceDefaults;
  /** configured node names; when given, `nodes` must name one of them */
  nodes?: readonly string[];
}

const got = (v: unknown) => JSON.stringify(v);

/** `null` and absent are the same for every field (llamactl's Go decoder). */
const absent = (v: unknown): v is null | undefined => v === null || v === undefined;

/** Node cannot pass a NUL byte in argv or the environment; refused where it enters. */
const NO_NUL = { error: 'must not contain a NUL byte' } as const;
const noNul = (s: string) => !s.includes('\0');

const bool = (description: string) =>
  z
    .boolean({ error: (iss) => `must be a boolean (got ${got(iss.input)})` })
    .nullish()
    .describe(description);

const str = (description: string) =>
  z
    .string({ error: (iss) => `must be a string (got ${got(iss.input)})` })
    .refine(noNul, NO_NUL)
    .nullish()
    .describe(description);

/**
 * A whole number ≥ 0. Negative values are refused (llamactl turns them into 0, which hid the
 * mistake); `max` bounds durations (a Node timer longer than 24.8 days fires at once).
 */
const count = (description: string, max?: { value: number; unit: string }) => {
  let n = z
    .number({ error: (iss) => `must be an integer (got ${got(iss.input)})` })
    .int({ error: (iss) => `must be an integer (got ${got(iss.input)})` })
    .min(0, { error: (iss) => `must be ≥ 0 (got ${got(iss.input)})` });
  if (max)
    n = n.max(max.value, {
      error: (iss) => `must be at most ${max.value} ${max.unit} (got ${got(iss.input)})`,
    });
  return n.nullish().describe(description);
};

/** The fields every backend shares, in the order the server checks them. */
function commonShape(nodes: readonly string[] | undefined) {
  return {
    idle_timeout: z
      .number({ error: (iss) => `must be a number of minutes (got ${got(iss.input)})` })
      // llamactl turns a negative value into 0, which means "never": a typo must not do that
      .min(0, { error: (iss) => `must be ≥ 0 (got ${got(iss.input)}; 0 = never)` })
      .max(MAX_IDLE_TIMEOUT_MIN, {
        error: (iss) =>
          `must be at most ${MAX_IDLE_TIMEOUT_MIN} minutes (7 days; 0 = never) (got ${got(iss.input)})`,
      })
      .nullish()
      .describe('minutes without requests before the instance stops; 0 = never; may be fractional'),
    nodes: z
      .array(z.string(), { error: 'must be an array of node names' })
      .superRefine((names, c) => {
        if (!nodes) return;
        for (const n of names) {
          if (!nodes.includes(n))
            c.addIssue({
              code: 'custom',
              message: `unknown node ${got(n)} (configured: ${nodes.join(', ')})`,
            });
        }
      })
      .nullish()
      .describe('the node the instance runs on (one name; absent = this server)'),
    environment: z
      .record(
        z.string(),
        z
          .string({ error: (iss) => `must be a string (got ${got(iss.input)})` })
          .refine(noNul, NO_NUL),
        { error: 'must be an object of string values' },
      )
      .superRefine((env, c) => {
        for (const k of Object.keys(env)) {
          // An empty name or one with `=` cannot be passed to a process (execve splits at `=`).
          if (k === '' || k.includes('=') || k.includes('\0'))
            c.addIssue({
              code: 'custom',
              message: `variable name ${got(k)} is not valid (empty, or contains = or a NUL byte)`,
            });
        }
      })
      .nullish()
      .describe('environment variables of the backend process'),
    group: z
      .string({ error: (iss) => `must be a string (got ${got(iss.input)})` })
      .superRefine((g, c) => {
        const err = g === '' ? null : instanceNameError(g);
        if (err) c.addIssue({ code: 'custom', message: err.replace(/^name/, 'group name') });
      })
      .nullish()
      .describe('a group name (the instance name rule)'),
    docker_enabled: bool('run in docker (backends with docker support)'),
    command_override: z
      .string({ error: (iss) => `must be a string (got ${got(iss.input)})` })
      .refine(noNul, NO_NUL)
      .superRefine((s, c) => {
        if (s.trim() === '') return;
        // Refused here, like every other bad value, rather than at every start.
        try {
          splitCommandOverride(s);
        } catch (err) {
          if (!isAppError(err)) throw err;
          c.addIssue({ code: 'custom', message: err.details.replace(/^command_override: /, '') });
        }
      })
      .nullish()
      .describe('the executable and leading words, split like a shell would (no shell is used)'),
    preset_ini: str('llama.cpp router presets (models-preset .ini text)'),
    auto_restart: bool('restart after a crash'),
    max_restarts: count('restarts in a row before giving up'),
    restart_delay: count('seconds before a restart', {
      value: MAX_RESTART_DELAY_S,
      unit: 'seconds (1 day)',
    }),
    on_demand_start: bool('start on the first request'),
    skip_memory_check: bool(
      "start even when the memory estimate does not fit the free memory (the config's instances.memory_check)",
    ),
  };
}

const BackendTypeField = z.unknown().superRefine((v, c) => {
  if (v === undefined || v === null || v === '') {
    c.addIssue({ code: 'custom', message: `is required (one of ${backendTypes().join(', ')})` });
  } else if (typeof v !== 'string' || !findBackend(v)) {
    c.addIssue({
      code: 'custom',
      message: `must be one of ${backendTypes().join(', ')} (got ${got(v)})`,
    });
  }
});

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const BackendOptionsField = z
  .unknown()
  .superRefine((v, c) => {
    if (!absent(v) && !isPlainObject(v))
      c.addIssue({ code: 'custom', message: 'must be an object' });
  })
  .transform((v) => v as Record<string, unknown> | null | undefined)
  .optional();

/** llamactl emits backend_options keys alphabetically (they pass through a Go map). */
export function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Paths below `backend_options` holding a NUL byte (keys and string values). */
function nulPaths(value: unknown, path: string[], out: { path: string[]; key: boolean }[]): void {
  if (typeof value === 'string') {
    if (value.includes('\0')) out.push({ path, key: false });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => nulPaths(v, [...path, String(i)], out));
  } else if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\0')) out.push({ path, key: true });
      else nulPaths(v, [...path, k], out);
    }
  }
}

/**
 * The schema of a create/update body: validates, normalises the backend options and
 * materialises the defaults, returning the options exactly as the server stores them. Every
 * broken rule is an issue on its field's path (a form shows them all; the server reports the
 * first as `field: rule`).
 */
export function instanceOptionsSchema(ctx: InstanceSchemaContext) {
  return (
    z
      .object({
        backend_type: BackendTypeField,
        backend_options: BackendOptionsField,
        ...commonShape(ctx.nodes),
      })
      // Typed backend options are checked even when another field is broken, so a form shows
      // every mistake at once (their ranges come from the option tables).
      .superRefine(
        (body, c) => {
          const raw = body as { backend_type?: unknown; backend_options?: unknown };
          if (typeof raw.backend_type !== 'string' || !findBackend(raw.backend_type)) return;
          if (!isPlainObject(raw.backend_options)) return;
          const r = backendOptionsSchema(raw.backend_type as BackendType).safeParse(
            raw.backend_options,
          );
          if (r.success) return;
          for (const issue of r.error.issues)
            c.addIssue({
              code: 'custom',
              path: ['backend_options', ...issue.path.map(String)],
              message: issue.message,
            });
        },
        { when: () => true },
      )
      .transform((body, c): InstanceOptions => {
        const backendType = body.backend_type as BackendType;
        const descriptor = findBackend(backendType)!;
        let backendOptions: Record<string, unknown>;
        try {
          backendOptions = sortKeys(
            normalizeBackendOptions(backendType, body.backend_options ?? {}),
          );
        } catch (err) {
          if (!isAppError(err)) throw err;
          // the details name the field first (`backend_options.extra_args.x y: flag names …`)
          const at = err.details.indexOf(': ');
          const named = at > 0 && err.details.startsWith('backend_options');
          c.addIssue({
            code: 'custom',
            path: named ? err.details.slice(0, at).split('.') : [],
            message: named ? err.details.slice(at + 2) : err.details,
          });
          return z.NEVER;
        }
        const nul: { path: string[]; key: boolean }[] = [];
        nulPaths(backendOptions, ['backend_options'], nul);
        for (const n of nul)
          c.addIssue({
            code: 'custom',
            path: n.path,
            message: n.key ? 'must not contain a key with a NUL byte' : NO_NUL.error,
          });
        if (nul.length) return z.NEVER;

        const d = ctx.defaults;
        let dockerEnabled = absent(body.docker_enabled) ? undefined : body.docker_enabled;
        // llamactl: a backend without docker support (mlx_lm) never runs in docker.
        if (!descriptor.docker && dockerEnabled === true) dockerEnabled = undefined;
        let commandOverride = body.command_override?.trim() ? body.command_override : undefined;
        // llamactl: an instance that asks for docker itself cannot also override the command.
        if (dockerEnabled === true) commandOverride = undefined;
        const nodes = body.nodes?.length ? [...new Set(body.nodes)] : undefined;
        const out: InstanceOptions = {
          ...(nodes ? { nodes } : {}),
          backend_type: backendType,
          backend_options: backendOptions,
          auto_restart: body.auto_restart ?? d.auto_restart,
          max_restarts: body.max_restarts ?? d.max_restarts,
          restart_delay: body.restart_delay ?? d.restart_delay,
          on_demand_start: body.on_demand_start ?? d.on_demand_start,
          idle_timeout: body.idle_timeout ?? d.idle_timeout,
        };
        if (body.environment) out.environment = body.environment;
        if (body.preset_ini) out.preset_ini = body.preset_ini;
        if (dockerEnabled !== undefined) out.docker_enabled = dockerEnabled;
        if (commandOverride !== undefined) out.command_override = commandOverride;
        if (body.group) out.group = body.group;
        if (body.skip_memory_check) out.skip_memory_check = true;
        return out;
      })
  );
}

/** An issue as the server words it: `field: rule` (`backend_options.port: must be …`). */
export function issueText(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** A typed option's value in JSON Schema terms, with its range from the option table. */
function fieldSchema(fl: BackendOptionField): z.ZodType {
  switch (fl.type) {
    case 'bool':
      return z.boolean();
    case 'int':
    case 'num': {
      let n = fl.type === 'int' ? z.number().int() : z.number();
      if (fl.min !== undefined) n = n.min(fl.min);
      if (fl.max !== undefined) n = n.max(fl.max);
      return n;
    }
    case 'str':
      return z.string();
    case 'str[]':
      return z.array(z.string());
  }
}

/** One backend's options, documented from its option table. */
function backendOptionsDoc(options: readonly BackendOptionField[]) {
  return z
    .object(
      Object.fromEntries(
        options.map((fl) => {
          const range = rangeText(fl);
          return [
            fl.key,
            fieldSchema(fl)
              .optional()
              .describe(`${fl.flag}: ${fl.help}${range ? ` (${range})` : ''}`),
          ];
        }),
      ),
    )
    .extend({
      extra_args: z
        .record(z.string(), z.string())
        .optional()
        .describe('flags the table does not know: "-fa": "on" renders -fa on, "x": "" renders --x'),
    })
    .catchall(z.unknown());
}

/**
 * The JSON Schema (draft 2020-12) of the instance options, for the OpenAPI document and for
 * editors: one branch per registered backend (its `backend_type`, its typed options from the
 * option table with their ranges) plus the common fields, which are the parser's own field
 * schemas (same ranges). The server also accepts aliases, numeric strings and unknown keys in
 * `backend_options` (they become `extra_args`); the schema documents the canonical form.
 */
export function instanceOptionsJsonSchema(): Record<string, unknown> {
  const common = commonShape(undefined);
  const branches = backendDescriptors().map((d) =>
    z.object({
      backend_type: z.literal(d.type).describe(`${d.label}: ${d.description}`),
      backend_options: backendOptionsDoc(d.options).nullish(),
      ...common,
    }),
  );
  const schema =
    branches.length === 1
      ? branches[0]
      : z.discriminatedUnion(
          'backend_type',
          branches as unknown as [(typeof branches)[0], ...(typeof branches)[0][]],
        );
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
