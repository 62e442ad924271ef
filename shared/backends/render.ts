import type { BackendType } from '../api/instances';
import { optionFields } from './fields';

/**
 * Shortest decimal text of a number, never in exponent form (backends parse `1e-05` fine, but
 * not every flag parser accepts exponents, and `1e+21` is not an integer to `--seed`).
 */
export function formatNumber(n: number): string {
  const s = String(n);
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, intPart, frac = '', expText] = m;
  const exp = Number(expText);
  const digits = intPart + frac;
  const point = intPart.length + exp;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

export interface RenderOptions {
  /** leave `model` out (vLLM native mode passes it positionally) */
  omitModel?: boolean;
}

/**
 * Typed fields to argv, in table order. Every value is its own argv element (no shell ever sees
 * them). `false` renders nothing; `0` renders `--flag 0` (llamactl cannot express it).
 */
export function renderTypedFlags(
  type: BackendType,
  options: Record<string, unknown>,
  opts: RenderOptions = {},
): string[] {
  const argv: string[] = [];
  const seen = new Set<string>();
  for (const fl of optionFields(type)) {
    const v = options[fl.key];
    if (v === undefined || v === null) continue;
    if (opts.omitModel && fl.key === 'model') continue;
    switch (fl.type) {
      case 'bool':
        // two keys may share one flag (fim_qwen_1b and fim_qwen_1_5b_default)
        if (v === true && !seen.has(fl.flag)) argv.push(fl.flag);
        seen.add(fl.flag);
        break;
      case 'int':
      case 'num':
        if (typeof v === 'number') argv.push(fl.flag, formatNumber(v));
        break;
      case 'str':
        if (typeof v !== 'string' || v === '') break;
        if (fl.pair) argv.push(fl.flag, ...v.trim().split(/\s+/));
        else argv.push(fl.flag, v);
        break;
      case 'str[]': {
        if (!Array.isArray(v) || v.length === 0) break;
        const values = v.map(String);
        if (fl.list === 'comma') argv.push(fl.flag, values.join(','));
        else if (fl.list === 'multi') argv.push(fl.flag, ...values);
        else for (const x of values) argv.push(fl.flag, x);
        break;
      }
    }
  }
  return argv;
}

/**
 * `extra_args` to argv, in the order they were given (object insertion order, which JSON and the
 * store keep). A key that starts with `-` is used as written (short flags); otherwise `--` is
 * prefixed. An empty value is a bare flag.
 */
export function renderExtraArgs(extra: unknown): string[] {
  if (typeof extra !== 'object' || extra === null) return [];
  const argv: string[] = [];
  for (const [k, v] of Object.entries(extra as Record<string, unknown>)) {
    if (v === undefined || v === null) continue;
    const flag = k.startsWith('-') ? k : `--${k}`;
    const value = typeof v === 'number' ? formatNumber(v) : String(v);
    if (value === '') argv.push(flag);
    else argv.push(flag, value);
  }
  return argv;
}

/** Typed flags followed by `extra_args`. */
export function renderBackendFlags(
  type: BackendType,
  options: Record<string, unknown>,
  opts: RenderOptions = {},
): string[] {
  return [...renderTypedFlags(type, options, opts), ...renderExtraArgs(options.extra_args)];
}
