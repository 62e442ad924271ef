import type { BackendType } from '../../shared/api/instances';
import { backendOf, fieldIndex, type BackendOptionField } from '../../shared/backends';
import { executableOverride, programLength } from '../../shared/backends/programs';
import { shellWords } from '../../shared/backends/shell-words';
import { AppError, isAppError } from '../../shared/errors';
import { normalizeBackendOptions } from '../../shared/backends/normalize';

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

function isFlag(tok: string): boolean {
  return tok.startsWith('-') && tok !== '-' && !NUM_RE.test(tok);
}

export interface ParsedCommand {
  backend_type: BackendType;
  backend_options: Record<string, unknown>;
  /** leading `NAME=value` assignments (`CUDA_VISIBLE_DEVICES=0 llama-server ...`); ours, not llamactl's */
  environment?: Record<string, string>;
  /**
   * The executable the command named, as a `command_override` holds it, when it is a path or not
   * the backend's default name (`/opt/llama/bin/llama-server`); ours, not llamactl's
   */
  command?: string;
}

const ENV_ASSIGN_RE = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;
const WINDOWS_PATH_RE = /(^|[\s"'=])[A-Za-z]:\\/;

/**
 * Parses a backend command line into `backend_options` (§4.10, with fixes): quotes group words,
 * backslash-newline continues a line, `--flag=value`, short flags and aliases, repeated flags
 * collect into lists, negative numbers are values, numbers are accepted for string options,
 * `0`/`false` are kept. Anything that cannot be read is a 400 `parse_error` saying what.
 */
export function parseCommand(type: BackendType, commandLine: unknown): ParsedCommand {
  if (typeof commandLine !== 'string' || commandLine.trim() === '')
    throw new AppError('invalid_command', 'Command cannot be empty');
  let text = commandLine.replace(/\\[ \t]*\r?\n/g, ' ');
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
  const program = programLength(backendOf(type), tokens);
  const command = executableOverride(backendOf(type), tokens.slice(0, program));
  let i = program;
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
    return {
      backend_type: type,
      backend_options,
      ...(Object.keys(environment).length > 0 ? { environment } : {}),
      ...(command !== undefined ? { command } : {}),
    };
  } catch (err) {
    if (isAppError(err)) throw new AppError('parse_error', err.details);
    throw err;
  }
}
