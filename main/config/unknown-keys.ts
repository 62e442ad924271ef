import type { z } from 'zod';

type Def = {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
};
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The schema under optional/default/nullable/transform wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  for (let s = schema; ;) {
    const def = defOf(s);
    if (def.innerType && ['optional', 'default', 'nullable', 'readonly'].includes(def.type))
      s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else return s;
  }
}

/**
 * Dotted paths of the keys in `value` that `schema` does not know (a typo such as
 * `max_runing_instances` is otherwise dropped in silence). Maps with free keys (`nodes`,
 * `environment`, `group_limits`) accept any name; their values are checked in turn.
 */
export function unknownKeys(schema: z.ZodType, value: unknown, path: string[] = []): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const def = defOf(unwrap(schema));
  const out: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (def.type === 'object') {
      const child = def.shape?.[key];
      if (!child) out.push([...path, key].join('.'));
      else out.push(...unknownKeys(child, v, [...path, key]));
    } else if (def.type === 'record' && def.valueType) {
      out.push(...unknownKeys(def.valueType, v, [...path, key]));
    }
  }
  return out;
}
