/**
 * `${NAME}` and `${NAME:-default}` expansion in the raw YAML text: `${NAME:-default}` falls back
 * when NAME is unset or empty; `${NAME}` with NAME unset is left as it is here and reported by
 * `unsetReferences`, which the loader turns into a configuration error (llamactl keeps the literal
 * text, which made `management_keys: ["${ADMIN_KEY}"]` a working key when ADMIN_KEY was unset).
 * Bare `$NAME` is left alone.
 */
const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

type Env = Readonly<Record<string, string | undefined>>;

export function expandEnvVars(text: string, env: Env): string {
  return text.replace(PATTERN, (whole, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (fallback !== undefined) return value ? value : fallback;
    return value !== undefined ? value : whole;
  });
}

/** Every `${NAME}` (no fallback) whose NAME is unset, with its offset in `text`. */
export function unsetReferences(text: string, env: Env): { name: string; offset: number }[] {
  const out: { name: string; offset: number }[] = [];
  for (const m of text.matchAll(PATTERN)) {
    if (m[2] === undefined && env[m[1]!] === undefined) out.push({ name: m[1]!, offset: m.index });
  }
  return out;
}
