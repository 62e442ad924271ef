import type { BackendType } from '../../shared/api/instances';
import { BACKEND_EXECUTABLES, fieldIndex, type BackendOptionField } from '../../shared/backends';
import { AppError, isAppError } from '../../shared/errors';
import { normalizeBackendOptions } from './normalize';
import { shellWords } from './shell-words';

const INT_RE = /^[+-]?\d+$/;
const NUM_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseError(message: string): never {
  throw new AppError('parse_error', message);
}

/** Reports the first unterminated quote, which shell-quote would silently accept. */
function checkQuotes(text: string): void {
  let quote: '"' | "'" | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote === "'") {
      if (ch === "'") quote = null;
    } else if (ch === '\\') {
      i++;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      start = i;
    }
  }
  if (quote)
    parseError(
      `unterminated ${quote === '"' ? 'double' : 'single'} quote starting at character ${start + 1}`,
    );
}

/** Shell-like words: quotes group, backslashes escape, `$VAR` stays literal, operators are refused. */
function tokenize(text: string): string[] {
  checkQuotes(text);
  return shellWords(text, (op) =>
    parseError(
      `shell operator '${op}' cannot be parsed: give one command only, and quote values that contain ${op}`,
    ),
  );
}

function doubleBackslashesOutsideSingleQuotes(text: string): string {
  let out = '';
  let single = false;
  let double = false;
  for (const ch of text) {
    if (ch === "'" && !double) single = !single;
    if (ch === '"' && !single) double = !double;
    out += ch === '\\' && !single ? '\\\\' : ch;
  }
  return out;
}

function baseName(token: string): string {
  const parts = token.split(/[\\/]/);
  return parts[parts.length - 1].toLowerCase().replace(/\.exe$/, '');
}

const PYTHON_RE = /^python(\d+(\.\d+)*)?$/;
const PYTHON_MODULES: Record<BackendType, string[][]> = {
  llama_cpp: [],
  mlx_lm: [['mlx_lm.server'], ['mlx_lm', 'server']],
  vllm: [['vllm.entrypoints.openai.api_server'], ['vllm.entrypoints.cli.main', 'serve']],
};

/** Number of leading tokens that name the program (`/opt/bin/llama-server`, `vllm serve`, `python -m mlx_lm.server`). */
function executableLength(type: BackendType, tokens: string[]): number {
  if (tokens.length === 0) return 0;
  const first = tokens[0];
  const base = baseName(first);
  const exe = BACKEND_EXECUTABLES[type];
  const hasSep = /[\\/]/.test(first);
  if (PYTHON_RE.test(base)) {
    if (tokens[1] !== '-m')
      parseError(`expected '${first} -m <module>' at the start of the command`);
    for (const mod of PYTHON_MODULES[type]) {
      if (mod.every((w, i) => tokens[2 + i]?.toLowerCase() === w)) return 2 + mod.length;
    }
    const expected = PYTHON_MODULES[type].map((m) => m.join(' ')).join("' or '");
    return parseError(
      expected
        ? `unknown module '${tokens[2] ?? ''}': expected '${expected}'`
        : `${exe} is not a Python module`,
    );
  }
  if (type === 'vllm') {
    if (base === 'vllm' || (hasSep && base.endsWith('vllm')))
      return tokens[1]?.toLowerCase() === 'serve' ? 2 : 1;
    if (first.toLowerCase() === 'serve') return 1;
    return 0;
  }
  if (type === 'mlx_lm' && base === 'mlx_lm' && tokens[1]?.toLowerCase() === 'server') return 2;
  if (base === exe || (hasSep && base.endsWith(exe))) return 1;
  return 0;
}

function isFlag(tok: string): boolean {
  return tok.startsWith('-') && tok !== '-' && !NUM_RE.test(tok);
}

export interface ParsedCommand {
  backend_type: BackendType;
  backend_options: Record<string, unknown>;
  /** leading `NAME=value` assignments (`CUDA_VISIBLE_DEVICES=0 llama-server ...`); ours, not llamactl's */
  environment?: Record<string, string>;
}

const ENV_ASSIGN_RE = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;
const WINDOWS_PATH_RE = /(^|[\s"'=])[A-Za-z]:\\/;

/**
 * Parses a backend command line into `backend_options` (§4.10, with fixes): quotes group words,
 * backslash-newline continues a line, `--flag=value`, short flags and aliases, repeated flags
 * collect into lists, negative numbers are values, numbers are accepted for string options,
 * `0`/`false` are kept. Anything that cannot be read is a 400 `parse_error` saying what.
 */
export function parseCommand(type: BackendType, command: unknown): ParsedCommand {
  if (typeof command !== 'string' || command.trim() === '')
    throw new AppError('invalid_command', 'Command cannot be empty');
  let text = command.replace(/\\[ \t]*\r?\n/g, ' ');
  // A Windows path (`C:\llama\llama-server.exe`) means backslashes are separators, not escapes.
  if (WINDOWS_PATH_RE.test(text)) text = doubleBackslashesOutsideSingleQuotes(text);
  const all = tokenize(text);
  // `NAME=value` words before the program set its environment, as in a shell
  const environment: Record<string, string> = {};
  let envWords = all[0] === 'env' ? 1 : 0;
  for (let m; envWords < all.length && (m = ENV_ASSIGN_RE.exec(all[envWords])); envWords++)
    environment[m[1]] = m[2];
  const tokens = all.slice(envWords);
  if (tokens.length === 0) throw new AppError('invalid_command', 'Command cannot be empty');

  const idx = fieldIndex(type);
  const typed = new Map<BackendOptionField, unknown>();
  const extra: Record<string, string> = {};
  const positionals: string[] = [];
  let i = executableLength(type, tokens);
  let onlyPositionals = false;

  const takeValue = (fl: BackendOptionField | undefined): string | undefined => {
    const next = tokens[i + 1];
    if (next === undefined) return undefined;
    if (isFlag(next)) return undefined;
    // a lone `-` or a negative number is a value; a flag-looking value needs `--flag=value`
    if (
      fl &&
      (fl.type === 'int' || fl.type === 'num') &&
      !NUM_RE.test(next) &&
      next.startsWith('-')
    )
      return undefined;
    i++;
    return next;
  };

  for (; i < tokens.length; i++) {
    const tok = tokens[i];
    if (onlyPositionals || !isFlag(tok)) {
      positionals.push(tok);
      continue;
    }
    if (tok === '--') {
      onlyPositionals = true;
      continue;
    }
    if (tok.startsWith('---')) parseError(`malformed flag: ${tok}`);
    const eq = tok.indexOf('=');
    const flag = eq > 0 ? tok.slice(0, eq) : tok;
    const eqValue = eq > 0 ? tok.slice(eq + 1) : undefined;
    const name = flag.replace(/^-+/, '');
    if (name === '') parseError(`malformed flag: ${tok}`);
    const norm = name.replace(/-/g, '_');
    const fl = idx.byKey.get(norm) ?? idx.byAlias.get(norm);

    if (!fl) {
      const key = flag.startsWith('--') ? name : `-${name}`;
      extra[key] = eqValue ?? takeValue(undefined) ?? '';
      continue;
    }

    if (fl.type === 'bool') {
      if (eqValue === undefined) typed.set(fl, true);
      else if (/^(true|1|on|yes)$/i.test(eqValue)) typed.set(fl, true);
      else if (/^(false|0|off|no)$/i.test(eqValue)) typed.set(fl, false);
      else parseError(`${flag} is a switch: '${eqValue}' is not true or false`);
      continue;
    }

    if (fl.pair) {
      const a = eqValue ?? takeValue(fl);
      const b = takeValue(fl);
      if (a === undefined || b === undefined) parseError(`${flag} needs two values`);
      typed.set(fl, `${a} ${b}`);
      continue;
    }

    if (fl.type === 'str[]' && fl.list === 'multi') {
      const values: string[] = [];
      if (eqValue !== undefined) values.push(eqValue);
      for (let v = takeValue(fl); v !== undefined; v = takeValue(fl)) values.push(v);
      if (values.length === 0) parseError(`${flag} needs at least one value`);
      typed.set(fl, [...((typed.get(fl) as string[] | undefined) ?? []), ...values]);
      continue;
    }

    let value = eqValue ?? takeValue(fl);
    if (value === undefined) {
      if (fl.bareValue === undefined) {
        const next = tokens[i + 1];
        parseError(
          next === undefined || fl.type === 'int' || fl.type === 'num'
            ? `${flag} needs a value`
            : `${flag} needs a value (write ${flag}=${next} if '${next}' is the value)`,
        );
      }
      value = fl.bareValue;
    }
    switch (fl.type) {
      case 'int':
        if (!INT_RE.test(value)) parseError(`${flag} expects an integer, got '${value}'`);
        typed.set(fl, Number(value));
        break;
      case 'num':
        if (!NUM_RE.test(value)) parseError(`${flag} expects a number, got '${value}'`);
        typed.set(fl, Number(value));
        break;
      case 'str':
        typed.set(fl, value);
        break;
      case 'str[]': {
        const add = fl.list === 'comma' ? value.split(',') : [value];
        typed.set(fl, [...((typed.get(fl) as string[] | undefined) ?? []), ...add]);
        break;
      }
    }
  }

  const modelField = idx.byKey.get('model');
  if (positionals.length > 0) {
    if (modelField && !typed.has(modelField)) typed.set(modelField, positionals.shift());
    if (positionals.length > 0)
      parseError(`unexpected argument '${positionals[0]}' (not a flag, nor the value of one)`);
  }

  const raw: Record<string, unknown> = {};
  for (const [fl, v] of typed) raw[fl.key] = v;
  if (Object.keys(extra).length > 0) raw.extra_args = extra;
  try {
    const backend_options = normalizeBackendOptions(type, raw);
    return Object.keys(environment).length > 0
      ? { backend_type: type, backend_options, environment }
      : { backend_type: type, backend_options };
  } catch (err) {
    if (isAppError(err)) throw new AppError('parse_error', err.details);
    throw err;
  }
}
