import type { ActivityRecord } from '../../../shared/api/activity';
import { apiJson } from '../../lib/api-client';

export const activityKeys = { all: ['activity'] as const };

/** How many records the page keeps (the server's ring holds metrics.activity_size). */
export const ACTIVITY_LIMIT = 500;

export const activityApi = {
  list: () => apiJson<ActivityRecord[]>(`/activity?limit=${ACTIVITY_LIMIT}`),
};

/** A live `activity` event goes on top of the cached list (newest first, bounded). */
export function prependActivity(
  list: ActivityRecord[] | undefined,
  record: ActivityRecord,
): ActivityRecord[] | undefined {
  if (!list) return list; // nobody has loaded the page: nothing to keep up to date
  if (list.some((r) => r.id === record.id)) return list;
  return [record, ...list].slice(0, ACTIVITY_LIMIT);
}

export type StatusClass = 'all' | 'ok' | 'client' | 'server';

export interface ActivityFilter {
  instance: string;
  status: StatusClass;
}

export function filterActivity(list: ActivityRecord[], f: ActivityFilter): ActivityRecord[] {
  return list.filter(
    (r) =>
      (f.instance === '' || r.instance === f.instance) &&
      (f.status === 'all' ||
        (f.status === 'ok' && r.status < 400) ||
        (f.status === 'client' && r.status >= 400 && r.status < 500) ||
        (f.status === 'server' && r.status >= 500)),
  );
}

/** Tokens per second of an instance's completions, oldest first (the sparkline's points). */
export function speedSeries(list: ActivityRecord[], instance: string, max = 40): number[] {
  const out: number[] = [];
  for (const r of list) {
    if (r.instance !== instance || r.tokens_per_second === null) continue;
    out.push(r.tokens_per_second);
    if (out.length === max) break;
  }
  return out.reverse();
}
