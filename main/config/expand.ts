/**
 * `${NAME}` and `${NAME:-default}` expansion in the raw YAML text, as llamactl does it:
 * `${NAME}` keeps the literal text when NAME is unset (so a typo is visible in the result),
 * `${NAME:-default}` falls back when NAME is unset or empty. Bare `$NAME` is left alone.
 */
const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function expandEnvVars(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): string {
  return text.replace(PATTERN, (whole, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (fallback !== undefined) return value ? value : fallback;
    return value !== undefined ? value : whole;
  });
}
