import { quote } from 'shell-quote';
import { AppError } from '../errors';
import { backendDescriptors, type BackendDescriptor } from './descriptors';
import { shellWords } from './shell-words';

function parseError(message: string): never {
  throw new AppError('parse_error', message);
}

function baseName(word: string): string {
  const parts = word.split(/[\\/]/);
  return parts[parts.length - 1].toLowerCase().replace(/\.exe$/, '');
}

const PYTHON_RE = /^python(\d+(\.\d+)*)?$/;

/** `/opt/bin/llama-server`, `llama-server.exe` and `/x/my-llama-server` all name `llama-server`. */
function namesProgram(word: string, name: string): boolean {
  const base = baseName(word);
  return base === name || (/[\\/]/.test(word) && base.endsWith(name));
}

/**
 * How many leading words of a command line name the backend's program (`/opt/bin/llama-server`,
 * `vllm serve`, `python -m mlx_lm.server`): 0 when the line starts with a flag or the model.
 * `python -m` with a module that is not this backend's is a `parse_error`.
 */
export function programLength(d: BackendDescriptor, words: readonly string[]): number {
  if (words.length === 0) return 0;
  const first = words[0];
  if (PYTHON_RE.test(baseName(first))) {
    if (words[1] !== '-m')
      parseError(`expected '${first} -m <module>' at the start of the command`);
    for (const mod of d.pythonModules) {
      if (mod.every((w, i) => words[2 + i]?.toLowerCase() === w)) return 2 + mod.length;
    }
    const expected = d.pythonModules.map((m) => m.join(' ')).join("' or '");
    return parseError(
      expected
        ? `unknown module '${words[2] ?? ''}': expected '${expected}'`
        : `${d.executable} is not a Python module`,
    );
  }
  for (const program of d.programs) {
    if (!namesProgram(first, program[0])) continue;
    if (program.slice(1).every((w, i) => words[1 + i]?.toLowerCase() === w)) return program.length;
  }
  return 0;
}

/** `command_override` holding this (one word, no quotes) is used as is, never split. */
const NEEDS_QUOTES_RE = /[\s'"]/;

/**
 * The executable a command line names, as a `command_override` would hold it, when it is not
 * simply the backend's default name: a path (`/opt/llama/bin/llama-server`), another name, or
 * `python3 -m mlx_lm.server`. The backend's subcommand (`serve`) is left out: the config's
 * `args` add it again. Undefined when the program is the default name (or not named at all).
 */
export function executableOverride(
  d: BackendDescriptor,
  programWords: readonly string[],
): string | undefined {
  let words = [...programWords];
  const sub = d.subcommand;
  if (
    sub.length > 0 &&
    words.length >= sub.length &&
    sub.every((w, i) => words[words.length - sub.length + i].toLowerCase() === w)
  )
    words = words.slice(0, words.length - sub.length);
  if (words.length === 0) return undefined;
  if (words.length === 1 && words[0] === d.executable) return undefined;
  if (words.length === 1 && !NEEDS_QUOTES_RE.test(words[0])) return words[0];
  return quote(words);
}

const ENV_ASSIGN_RE = /^([A-Za-z_][A-Za-z0-9_]*)=/;

/**
 * The backend a pasted command line is for, from its program (`vllm serve …`, `python -m
 * mlx_lm.server …`), or undefined when it names none of them. `NAME=value` words in front are
 * skipped; a line a shell could not split names none.
 */
export function detectBackend(commandLine: string): BackendDescriptor | undefined {
  let words: string[];
  try {
    words = shellWords(commandLine.replace(/\\[ \t]*\r?\n/g, ' ').replace(/\\/g, '/'), () => {
      throw new Error('operator');
    });
  } catch {
    return undefined;
  }
  let i = words[0] === 'env' ? 1 : 0;
  while (i < words.length && ENV_ASSIGN_RE.test(words[i])) i++;
  const rest = words.slice(i);
  for (const d of backendDescriptors()) {
    try {
      if (programLength(d, rest) > 0) return d;
    } catch {
      // `python -m` with another backend's module
    }
  }
  return undefined;
}
