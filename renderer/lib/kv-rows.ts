/** One row of a key/value editor (environment variables, extra arguments). */
export interface KvRow {
  key: string;
  value: string;
}

export function toRows(obj: Record<string, string> | undefined): KvRow[] {
  return Object.entries(obj ?? {}).map(([key, value]) => ({ key, value: String(value) }));
}

/** Rows to a map, in row order; rows without a key are left out (blank rows while editing). */
export function fromRows(rows: KvRow[]): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const r of rows) if (r.key.trim()) out[r.key.trim()] = r.value;
  return Object.keys(out).length ? out : undefined;
}
