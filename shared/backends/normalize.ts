import type { BackendType } from '../api/instances';
import { coerceOptionValue, fieldIndex, optionFields } from './index';
import { AppError } from '../errors';
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
  // per field: the value, the key it came under (for errors), and how it matched; an alias
  // beats the canonical key (llamactl's order), which beats a case-insensitive match
  const given = new Map<string, { value: unknown; as: string; rank: number }>();
  const offer = (key: string, value: unknown, as: string, rank: number) => {
    const prev = given.get(key);
    if (!prev || rank >= prev.rank) given.set(key, { value, as, rank });
  };
  const extra: Record<string, string> = {};

  for (const [k, v] of Object.entries(raw)) {
    if (k === 'extra_args') continue;
    if (v === null || v === undefined) continue;
    const exact = idx.byKey.get(k);
    const alias = exact ? undefined : idx.byAlias.get(k);
    const ci = exact || alias ? undefined : idx.byLowerKey.get(k.toLowerCase());
    if (exact) offer(exact.key, v, k, 2);
    else if (alias) offer(alias.key, v, k, 3);
    else if (ci) offer(ci.key, v, k, 1);
    if (exact || alias || ci) continue;
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
  for (const fl of optionFields(type)) {
    const g = given.get(fl.key);
    if (!g) continue;
    const r = coerceOptionValue(fl, g.value);
    if (!r.ok) fail(g.as, r.rule);
    if (r.value === '' || (Array.isArray(r.value) && r.value.length === 0)) continue;
    out[fl.key] = r.value;
  }
  if (Object.keys(extra).length > 0) out.extra_args = extra;
  return out;
}
