/**
 * The shape of one backend option: the single source for validation, argv rendering,
 * parse-command and the dashboard's generated forms.
 */
export type OptionValueType = 'bool' | 'int' | 'num' | 'str' | 'str[]';

/**
 * How a string array becomes argv:
 * - `repeat`: `--flag a --flag b` (llama-server's `--lora`, vLLM's `--middleware`)
 * - `comma`:  `--flag a,b`
 * - `multi`:  `--flag a b` (argparse `nargs='+'`, vLLM's `--lora-modules`)
 */
export type OptionListStyle = 'repeat' | 'comma' | 'multi';

export interface BackendOptionField {
  /** canonical JSON key in `backend_options` (snake_case) */
  readonly key: string;
  readonly type: OptionValueType;
  /** only for `str[]` */
  readonly list?: OptionListStyle;
  /** the backend's own long flag, e.g. `--ctx-size` */
  readonly flag: string;
  /** other keys accepted in JSON and by parse-command (short flags and alternative long flags, dashes stripped, `-` as `_`) */
  readonly aliases: readonly string[];
  /** one line for the form */
  readonly help: string;
  /** shown first in the form */
  readonly common?: boolean;
  /** numeric fields: the smallest value accepted (server, form and schemas read it) */
  readonly min?: number;
  /** numeric fields: the largest value accepted */
  readonly max?: number;
  /**
   * The flag takes two argv values (`--control-vector-layer-range START END`); the option value
   * is a string holding both, separated by whitespace.
   */
  readonly pair?: boolean;
  /** value used when the flag is written without one in a command line (`-fa` alone means `on`) */
  readonly bareValue?: string;
  /**
   * llamactl's key for a flag that current llama-server versions reject; the key of its successor.
   * Kept for older llama-servers; forms should offer the successor.
   */
  readonly replacedBy?: string;
}

export interface FieldOpts {
  aliases?: readonly string[];
  common?: boolean;
  min?: number;
  max?: number;
  flag?: string;
  pair?: boolean;
  bareValue?: string;
  replacedBy?: string;
}

type TypeCode = 'bool' | 'int' | 'num' | 'str' | 'R' | 'C' | 'M';

/** Table helper: `f('ctx_size', 'int', 'Context size in tokens', { aliases: ['c'], common: true })`. */
export function f(
  key: string,
  code: TypeCode,
  help: string,
  opts: FieldOpts = {},
): BackendOptionField {
  const isList = code === 'R' || code === 'C' || code === 'M';
  const field: BackendOptionField = {
    key,
    type: isList ? 'str[]' : code,
    ...(isList ? { list: code === 'R' ? 'repeat' : code === 'C' ? 'comma' : 'multi' } : {}),
    flag: opts.flag ?? `--${key.replace(/_/g, '-')}`,
    aliases: opts.aliases ?? [],
    help,
    ...(opts.common ? { common: true } : {}),
    ...(opts.min !== undefined ? { min: opts.min } : {}),
    ...(opts.max !== undefined ? { max: opts.max } : {}),
    ...(opts.pair ? { pair: true } : {}),
    ...(opts.bareValue !== undefined ? { bareValue: opts.bareValue } : {}),
    ...(opts.replacedBy ? { replacedBy: opts.replacedBy } : {}),
  };
  return field;
}
