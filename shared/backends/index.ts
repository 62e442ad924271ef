import { z } from 'zod';
import type { BackendType } from '../api/instances';
import { optionFields } from './fields';
import type { BackendOptionField } from './types';

export { BACKEND_OPTION_FIELDS, optionFields } from './fields';
export {
  backendByRouteSegment,
  backendDescriptors,
  backendOf,
  backendTypes,
  findBackend,
  registerBackend,
  type BackendDescriptor,
} from './descriptors';

export { LLAMA_CPP_OPTIONS } from './llama-cpp';
export { MLX_LM_OPTIONS } from './mlx-lm';
export { VLLM_OPTIONS } from './vllm';
export type { BackendOptionField, OptionListStyle, OptionValueType } from './types';

/** The fields a form shows first. */
export function commonFields(type: BackendType): BackendOptionField[] {
  return optionFields(type).filter((fl) => fl.common);
}

export interface FieldIndex {
  byKey: ReadonlyMap<string, BackendOptionField>;
  /** alias -> field (case-sensitive: llama-server's `-C` and `-c` differ) */
  byAlias: ReadonlyMap<string, BackendOptionField>;
  /** lower-cased key -> field, for Go-style case-insensitive JSON keys */
  byLowerKey: ReadonlyMap<string, BackendOptionField>;
}

/** by option table, so a backend registered at run time gets its own index */
const indexes = new WeakMap<readonly BackendOptionField[], FieldIndex>();

export function fieldIndex(type: BackendType): FieldIndex {
  const fields = optionFields(type);
  let idx = indexes.get(fields);
  if (!idx) {
    const byKey = new Map<string, BackendOptionField>();
    const byAlias = new Map<string, BackendOptionField>();
    const byLowerKey = new Map<string, BackendOptionField>();
    for (const fl of fields) {
      byKey.set(fl.key, fl);
      if (!byLowerKey.has(fl.key.toLowerCase())) byLowerKey.set(fl.key.toLowerCase(), fl);
    }
    for (const fl of fields) {
      for (const a of fl.aliases) if (!byKey.has(a) && !byAlias.has(a)) byAlias.set(a, fl);
    }
    // The real flag spelling when it differs from the key (`--fim-qwen-1.5b-default`). When two
    // keys share a flag, the later one in the table is the current name and owns it.
    for (const fl of [...fields].reverse()) {
      const fromFlag = fl.flag.replace(/^-+/, '').replace(/-/g, '_');
      if (fromFlag !== fl.key && !byKey.has(fromFlag) && !byAlias.has(fromFlag))
        byAlias.set(fromFlag, fl);
    }
    idx = { byKey, byAlias, byLowerKey };
    indexes.set(fields, idx);
  }
  return idx;
}

export type CoerceResult = { ok: true; value: unknown } | { ok: false; rule: string };

const INT_RE = /^[+-]?\d+$/;
const NUM_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Lenient coercion of one value to a field's type: numbers for numeric fields also from numeric
 * strings, numbers into string fields as their decimal text, a single string into a list.
 * `null`/`undefined` means "absent" and is handled by the caller.
 */
/** The range of a numeric field as text (`≥ 0`, `between 0 and 65535`), or '' when it has none. */
export function rangeText(fl: Pick<BackendOptionField, 'min' | 'max'>): string {
  if (fl.min !== undefined && fl.max !== undefined) return `between ${fl.min} and ${fl.max}`;
  if (fl.min !== undefined) return `≥ ${fl.min}`;
  if (fl.max !== undefined) return `≤ ${fl.max}`;
  return '';
}

function inRange(fl: BackendOptionField, n: number): CoerceResult {
  if ((fl.min !== undefined && n < fl.min) || (fl.max !== undefined && n > fl.max))
    return { ok: false, rule: `must be ${rangeText(fl)}` };
  return { ok: true, value: n };
}

export function coerceOptionValue(fl: BackendOptionField, v: unknown): CoerceResult {
  switch (fl.type) {
    case 'bool':
      if (typeof v === 'boolean') return { ok: true, value: v };
      if (v === 'true' || v === 'false') return { ok: true, value: v === 'true' };
      return { ok: false, rule: 'must be a boolean' };
    case 'int': {
      const n =
        typeof v === 'number'
          ? v
          : typeof v === 'string' && INT_RE.test(v.trim())
            ? Number(v.trim())
            : NaN;
      if (!Number.isSafeInteger(n)) return { ok: false, rule: 'must be an integer' };
      return inRange(fl, n);
    }
    case 'num': {
      const n =
        typeof v === 'number'
          ? v
          : typeof v === 'string' && NUM_RE.test(v.trim())
            ? Number(v.trim())
            : NaN;
      if (!Number.isFinite(n)) return { ok: false, rule: 'must be a number' };
      return inRange(fl, n);
    }
    case 'str': {
      let s: string;
      if (typeof v === 'string') s = v;
      else if (typeof v === 'number' && Number.isFinite(v)) s = String(v);
      else if (
        fl.pair &&
        Array.isArray(v) &&
        v.length === 2 &&
        v.every((x) => typeof x === 'string' || typeof x === 'number')
      )
        s = v.join(' ');
      else
        return {
          ok: false,
          rule: fl.pair ? 'must be a string "A B" or a list of two values' : 'must be a string',
        };
      if (fl.pair && s.trim() !== '' && s.trim().split(/\s+/).length !== 2)
        return { ok: false, rule: 'must hold exactly two values separated by a space' };
      return { ok: true, value: fl.pair ? s.trim().split(/\s+/).join(' ') : s };
    }
    case 'str[]': {
      const arr =
        typeof v === 'string' ? (fl.list === 'multi' ? v.split(/\s+/).filter(Boolean) : [v]) : v;
      if (!Array.isArray(arr)) return { ok: false, rule: 'must be a list of strings' };
      const out: string[] = [];
      for (const x of arr) {
        if (typeof x === 'string') out.push(x);
        else if (typeof x === 'number' && Number.isFinite(x)) out.push(String(x));
        else return { ok: false, rule: 'must be a list of strings' };
      }
      return { ok: true, value: out };
    }
  }
}

/**
 * A zod schema for one backend's typed options: the same coercion and ranges as the server
 * (unknown keys pass through; normalisation moves them to `extra_args`). The instance schema
 * (shared/api/instance-schema.ts) runs it on `backend_options`.
 */
export function backendOptionsSchema(type: BackendType): z.ZodType<Record<string, unknown>> {
  return z.record(z.string(), z.unknown()).superRefine((obj, ctx) => {
    const idx = fieldIndex(type);
    for (const [k, v] of Object.entries(obj)) {
      if (v === null || v === undefined || k === 'extra_args') continue;
      const fl = idx.byKey.get(k) ?? idx.byAlias.get(k) ?? idx.byLowerKey.get(k.toLowerCase());
      if (!fl) continue;
      const r = coerceOptionValue(fl, v);
      if (!r.ok) ctx.addIssue({ code: 'custom', path: [k], message: r.rule });
    }
  });
}

export { detectBackend, executableOverride, programLength } from './programs';
export { formatNumber, renderBackendFlags, renderExtraArgs, renderTypedFlags } from './render';
export type { RenderOptions } from './render';

/** Body of `POST /api/v1/backends/{llama-cpp,mlx,vllm}/parse-command`. */
export interface ParseCommandResponse {
  backend_type: BackendType;
  /** absent when nothing was parsed (as in llamactl) */
  backend_options?: Record<string, unknown>;
  /** leading `NAME=value` words of the command (our addition) */
  environment?: Record<string, string>;
  /** the executable, when it is a path or not the backend's default name (our addition) */
  command?: string;
}
