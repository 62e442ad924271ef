import type { Instance } from '../../../shared/api/instances';
import { backendLabel, instancePort, stateBadge } from './labels';

export type SortKey = 'name' | 'status' | 'backend' | 'node' | 'group' | 'port';
export interface Sort {
  key: SortKey;
  dir: 'asc' | 'desc';
}

/** Running first, then what needs a look, then the quiet ones. */
const STATUS_ORDER = [
  'Ready',
  'Starting',
  'Unhealthy',
  'Restarting',
  'Stopping',
  'Failed',
  'Stopped',
];

export function nodeOf(i: Instance): string {
  return i.node ?? i.options?.nodes?.[0] ?? 'local';
}

function value(i: Instance, key: SortKey): string | number | undefined {
  switch (key) {
    case 'name':
      return i.name;
    case 'status':
      return STATUS_ORDER.indexOf(stateBadge(i).label);
    case 'backend':
      return backendLabel(i.options?.backend_type);
    case 'node':
      return nodeOf(i);
    case 'group':
      return i.options?.group || undefined;
    case 'port':
      return instancePort(i);
  }
}

/**
 * The table's order: by the chosen column, blanks (no group, no port) last in either direction,
 * ties by name so equal rows never swap places between renders.
 */
export function sortInstances(list: readonly Instance[], sort: Sort): Instance[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...list].sort((a, b) => {
    const va = value(a, sort.key);
    const vb = value(b, sort.key);
    if (va !== vb) {
      if (va === undefined) return 1;
      if (vb === undefined) return -1;
      const c =
        typeof va === 'number' && typeof vb === 'number'
          ? va - vb
          : String(va).localeCompare(String(vb), undefined, { numeric: true });
      if (c !== 0) return sign * c;
    }
    return a.name.localeCompare(b.name, undefined, { numeric: true });
  });
}

/** A column worth showing: one that does not repeat the same value on every row. */
export function varies(
  list: readonly Instance[],
  of: (i: Instance) => string | undefined,
): boolean {
  return new Set(list.map(of)).size > 1;
}
