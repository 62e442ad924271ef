import type { BackendType } from '../../shared/api/instances';
import { BACKEND_OPTION_FIELDS, coerceOptionValue, fieldIndex } from '../../shared/backends';
import { AppError } from '../../shared/errors';
import { formatNumber } from './render';

function fail(field: string, rule: string): never {
  throw new AppError('validation_error', `backend_options.${field}: ${rule}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An unknown JSON value as an `extra_args` value; `undefined` = leave the flag out. */
function extraValue(key: string, v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  // a boolean `true` is a bare flag (llamactl wrote `--flag true`); `false` means "not given"
  if (typeof v === 'boolean') return v ? '' : undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return formatNumber(v);
  return fail(
    key,
    'unknown option with a value that is not a string, number or boolean (use extra_args)',
  );
}

/**
 * Validates and coerces raw `backend_options` onto the backend's typed fields.
 * - keys: canonical, then aliases (an alias wins over its canonical key, as in llamactl), then
 *   case-insensitive canonical; anything else goes to `extra_args` as a flag in the backend's
 *   spelling (`my_flag` -> `my-flag`)
 * - explicit `0` and `false` are kept (llamactl drops zero values); `null` means absent; an empty
 *   string or list is dropped
 * - the result has canonical keys in table order, `extra_args` last
 */
export function normalizeBackendOptions(type: BackendType, raw: unknown): Record<string, unknown> {
  if (raw === null || raw === undefined) return {};
  if (!isPlainObject(raw))
    throw new AppError('validation_error', 'backend_options: must be an object');
  const idx = fieldIndex(type);
  const canonical = new Map<string, unknown>();
  const fromAlias = new Map<string, unknown>();
  const fromCase = new Map<string, unknown>();
  const extra: Record<string, string> = {};

  for (const [k, v] of Object.entries(raw)) {
    if (k === 'extra_args') continue;
    if (v === null || v === undefined) continue;
    const exact = idx.byKey.get(k);
    if (exact) {
      canonical.set(exact.key, v);
      continue;
    }
    const alias = idx.byAlias.get(k);
    if (alias) {
      fromAlias.set(alias.key, { v, as: k });
      continue;
    }
    const ci = idx.byLowerKey.get(k.toLowerCase());
    if (ci) {
      fromCase.set(ci.key, { v, as: k });
      continue;
    }
    const val = extraValue(k, v);
    if (val !== undefined) extra[k.startsWith('-') ? k : k.replace(/_/g, '-')] = val;
  }

  const explicitExtra = raw.extra_args;
  if (explicitExtra !== null && explicitExtra !== undefined) {
    if (!isPlainObject(explicitExtra))
      fail('extra_args', 'must be an object of flag -> string value');
    for (const [k, v] of Object.entries(explicitExtra)) {
      if (k.trim() === '' || /\s/.test(k))
        fail(`extra_args.${k}`, 'flag names cannot be empty or contain spaces');
      if (v === null || v === undefined) continue;
      if (typeof v === 'string') extra[k] = v;
      else if (typeof v === 'number' && Number.isFinite(v)) extra[k] = formatNumber(v);
      else if (typeof v === 'boolean') {
        if (v) extra[k] = '';
      } else fail(`extra_args.${k}`, 'must be a string');
    }
  }

  const out: Record<string, unknown> = {};
  for (const fl of BACKEND_OPTION_FIELDS[type]) {
    let input: unknown;
    let name = fl.key;
    const a = fromAlias.get(fl.key) as { v: unknown; as: string } | undefined;
    const c = fromCase.get(fl.key) as { v: unknown; as: string } | undefined;
    if (a) {
      input = a.v;
      name = a.as;
    } else if (canonical.has(fl.key)) input = canonical.get(fl.key);
    else if (c) {
      input = c.v;
      name = c.as;
    } else continue;
    const r = coerceOptionValue(fl, input);
    if (!r.ok) fail(name, r.rule);
    if (r.value === '' || (Array.isArray(r.value) && r.value.length === 0)) continue;
    out[fl.key] = r.value;
  }
  if (Object.keys(extra).length > 0) out.extra_args = extra;
  return out;
}
