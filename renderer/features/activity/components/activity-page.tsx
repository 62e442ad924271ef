import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { ActivityRecord } from '../../../../shared/api/activity';
import { PageHeader } from '../../../components/page-header';
import { Spinner } from '../../../components/spinner';
import {
  activityApi,
  activityKeys,
  filterActivity,
  speedSeries,
  type ActivityFilter,
  type StatusClass,
} from '../api';
import { Sparkline } from './sparkline';
import '../../../styles/activity.css';

const STATUS_OPTIONS: { v: StatusClass; label: string }[] = [
  { v: 'all', label: 'Any status' },
  { v: 'ok', label: 'Succeeded' },
  { v: 'client', label: 'Refused (4xx)' },
  { v: 'server', label: 'Failed (5xx)' },
];

const ms = (v: number | null) =>
  v === null ? '—' : v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
const num = (v: number | null) => (v === null ? '—' : String(v));
const time = (t: number) => new Date(t).toLocaleTimeString();

/**
 * Requests through /v1, /llama-cpp and the instance proxy, newest first, kept live by the
 * `activity` events (server-events.ts); filters by instance and status, and per instance a
 * tokens-per-second sparkline of its latest completions.
 */
export function ActivityPage() {
  const q = useQuery({
    queryKey: activityKeys.all,
    queryFn: activityApi.list,
    staleTime: Infinity,
  });
  const [filter, setFilter] = useState<ActivityFilter>({ instance: '', status: 'all' });
  const all = useMemo(() => q.data ?? [], [q.data]);
  const instances = useMemo(() => [...new Set(all.map((r) => r.instance))].sort(), [all]);
  const shown = useMemo(() => filterActivity(all, filter), [all, filter]);
  return (
    <div className="page">
      <PageHeader
        title="Activity"
        subtitle="Requests to your models through this server, newest first. Nothing of their content is kept."
      />
      {instances.length > 0 && <SpeedCards list={all} instances={instances} />}
      <div className="activity-filters">
        <label className="field-inline">
          <span>Instance</span>
          <select
            className="select select-compact"
            value={filter.instance}
            onChange={(e) => setFilter({ ...filter, instance: e.target.value })}
          >
            <option value="">All instances</option>
            {instances.map((i) => (
              <option key={i} value={i}>
                {i}
              </option>
            ))}
          </select>
        </label>
        <label className="field-inline">
          <span>Status</span>
          <select
            className="select select-compact"
            value={filter.status}
            onChange={(e) => setFilter({ ...filter, status: e.target.value as StatusClass })}
          >
            {STATUS_OPTIONS.map((o) => (
              <option key={o.v} value={o.v}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {q.isPending ? (
        <Spinner label="Loading activity" />
      ) : q.isError ? (
        <p role="alert" className="field-error">
          The activity could not be loaded: {(q.error as Error).message}
        </p>
      ) : shown.length === 0 ? (
        <div className="empty-state">
          <h3>No requests yet</h3>
          <p>Requests from the chat, your apps and scripts appear here as they finish.</p>
        </div>
      ) : (
        <ActivityTable rows={shown} />
      )}
    </div>
  );
}

function SpeedCards({ list, instances }: { list: ActivityRecord[]; instances: string[] }) {
  return (
    <div className="activity-speeds" aria-label="Generation speed per instance">
      {instances.map((i) => {
        const series = speedSeries(list, i);
        const last = series.at(-1);
        return (
          <section key={i} className="card activity-speed">
            <h2>{i}</h2>
            <p className="activity-speed-figure">
              {last === undefined ? 'no completions yet' : `${last.toFixed(1)} tokens/s`}
            </p>
            <Sparkline values={series} label={`tokens per second of ${i}'s latest completions`} />
          </section>
        );
      })}
    </div>
  );
}

function ActivityTable({ rows }: { rows: ActivityRecord[] }) {
  return (
    <div className="table-card activity-table-card">
      <table className="table activity-table">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Instance</th>
            <th scope="col" className="hide-sm">
              Route
            </th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Duration
            </th>
            <th scope="col" className="num hide-sm">
              First byte
            </th>
            <th scope="col" className="num hide-md">
              Tokens in / out
            </th>
            <th scope="col" className="num">
              Tokens/s
            </th>
            <th scope="col" className="hide-md">
              Key
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} title={r.request_id ? `request id ${r.request_id}` : undefined}>
              <td>{time(r.time)}</td>
              <td>
                {r.instance}
                {r.model && r.model !== r.instance && <span className="muted"> · {r.model}</span>}
              </td>
              <td className="mono hide-sm">
                {r.method} {r.route}
              </td>
              <td>
                <span className={`status-code status-${Math.floor(r.status / 100)}xx`}>
                  {r.status}
                </span>
              </td>
              <td className="num">{ms(r.duration_ms)}</td>
              <td className="num hide-sm">{ms(r.ttfb_ms)}</td>
              <td className="num hide-md">
                {num(r.prompt_tokens)} / {num(r.completion_tokens)}
              </td>
              <td className="num">{r.tokens_per_second === null ? '—' : r.tokens_per_second}</td>
              <td className="hide-md">{r.key_name ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
