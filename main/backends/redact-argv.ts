/** What a secret-looking value is replaced with where argv is written down (instance logs). */
export const REDACTED_ARG = '[redacted]';

/** Flags whose value is a credential: llama-server's, vLLM's and mlx_lm.server's spellings. */
const SECRET_FLAGS = new Set(['--api-key', '--hf-token', '-hft', '--token', '--hf_token']);

/** `NAME=value` words (docker `-e`, `env` prefixes) whose name says it holds a credential. */
const SECRET_ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*(?:TOKEN|KEY|SECRET|PASSWORD))=(.+)$/i;

/**
 * argv with the values of credential flags (`--api-key X`, `--api-key=X`, `--hf-token X`) and of
 * credential-named assignments (`HF_TOKEN=X`) replaced, for the start line of an instance's log.
 * The process itself still gets the real values.
 */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (SECRET_FLAGS.has(word) && i + 1 < argv.length) {
      out.push(word, REDACTED_ARG);
      i++;
      continue;
    }
    const eq = word.indexOf('=');
    if (word.startsWith('-') && eq > 0 && SECRET_FLAGS.has(word.slice(0, eq))) {
      out.push(`${word.slice(0, eq)}=${REDACTED_ARG}`);
      continue;
    }
    const assignment = SECRET_ASSIGNMENT.exec(word);
    out.push(assignment ? `${assignment[1]}=${REDACTED_ARG}` : word);
  }
  return out;
}
