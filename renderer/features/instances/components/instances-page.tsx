import { lazy, startTransition, Suspense, useEffect, useMemo, useRef, useState } from 'react';
import type { Instance } from '../../../../shared/api/instances';
import { Icon } from '../../../components/icon';
import { PageHeader } from '../../../components/page-header';
import { ErrorCallout } from '../../../components/error-callout';
import { EmptyState } from '../../../components/empty-state';
import { Segmented } from '../../../components/segmented';
import { Spinner } from '../../../components/spinner';
import { ActionsHeader } from '../../../components/table-parts';
import { toast } from '../../../components/toasts';
import { canDelete, canStart, canStop } from '../../../../shared/instance-status';
import { useBulkAction, type BulkAction } from '../mutations';
import { nodeOf, sortInstances, varies, type SortKey } from '../table';
import { useInstances } from '../queries';
import { isUnreachable, useServerReachable } from '../../../lib/connection';
import { backendDescriptors } from '../../../../shared/backends';
import { instanceModel } from '../labels';
import {
  useInstanceDialog,
  useInstancesUi,
  useOpenInstanceDialog,
  type StatusFilter,
} from '../ui-store';
import { InstanceRow } from './instance-row';
import { DeleteInstanceDialog, DeleteInstancesDialog } from './delete-instance-dialog';

// dialogs load on first use: the form pulls in every backend's option table
const InstanceDialog = lazy(() =>
  import('./instance-dialog').then((m) => ({ default: m.InstanceDialog })),
);
const LogViewer = lazy(() => import('./log-viewer').then((m) => ({ default: m.LogViewer })));
const RouterModelsDialog = lazy(() =>
  import('./router-models-dialog').then((m) => ({ default: m.RouterModelsDialog })),
);

const STATUS_FILTERS: { v: StatusFilter; label: string }[] = [
  { v: 'all', label: 'All' },
  { v: 'running', label: 'Running' },
  { v: 'stopped', label: 'Stopped' },
  { v: 'failed', label: 'Failed' },
];

export function matchesFilter(
  i: Instance,
  search: string,
  status: StatusFilter,
  backend: string,
): boolean {
  if (backend !== 'all' && i.options?.backend_type !== backend) return false;
  if (status === 'running' && !(i.status === 'running' || i.status === 'restarting')) return false;
  if (status === 'stopped' && i.status !== 'stopped') return false;
  if (
    status === 'failed' &&
    !(i.status === 'failed' || i.health === 'failed' || i.health === 'unhealthy')
  )
    return false;
  const q = search.trim().toLowerCase();
  if (!q) return true;
  return [
    i.name,
    i.options?.group,
    i.node,
    instanceModel(i),
    String(i.options?.backend_options?.port ?? ''),
  ]
    .filter(Boolean)
    .some((s) => String(s).toLowerCase().includes(q));
}

export function InstancesPage() {
  const { data, isPending, error, refetch } = useInstances();
  const open = useOpenInstanceDialog();
  const online = useServerReachable();
  const search = useInstancesUi((s) => s.search);
  const status = useInstancesUi((s) => s.status);
  const backend = useInstancesUi((s) => s.backend);
  const setSearch = useInstancesUi((s) => s.setSearch);
  const setStatus = useInstancesUi((s) => s.setStatus);
  const setBackend = useInstancesUi((s) => s.setBackend);
  const sort = useInstancesUi((s) => s.sort);
  const selectedNames = useInstancesUi((s) => s.selected);
  const setSelected = useInstancesUi((s) => s.setSelected);
  const bulk = useBulkAction();

  const list = useMemo(() => data ?? [], [data]);
  const filtered = useMemo(
    () =>
      sortInstances(
        list.filter((i) => matchesFilter(i, search, status, backend)),
        sort,
      ),
    [list, search, status, backend, sort],
  );
  const shown = useProgressive(filtered);
  // one value on every row says nothing: the column goes (Docker counts as a backend of its own)
  const showBackend = varies(
    list,
    (i) => `${i.options?.backend_type}${i.options?.docker_enabled ? '+docker' : ''}`,
  );
  const showNode = varies(list, nodeOf);
  // the selection is what is ticked and still listed (a deleted instance drops out)
  const selected = useMemo(() => {
    const names = new Set(selectedNames);
    return list.filter((i) => names.has(i.name));
  }, [list, selectedNames]);
  const selectedSet = useMemo(() => new Set(selected.map((i) => i.name)), [selected]);
  const stoppable = list.filter((i) => canStop(i.status));
  const runBulk = (action: BulkAction, names: string[], what: string) =>
    bulk.mutate(
      { names, action },
      {
        onSuccess: (all) => {
          // a server that went away says so in its banner, not per instance
          const failed = all.filter((f) => !isUnreachable(f.error));
          if (failed.length === 0) return;
          toast.error(
            `Could not ${what} ${failed.length} of ${names.length} instance${names.length === 1 ? '' : 's'}`,
            failed.map((f) => `${f.name}: ${f.error.message}`).join(' · '),
          );
        },
      },
    );
  const counts = useMemo(() => {
    const running = list.filter((i) => i.status === 'running').length;
    const ready = list.filter((i) => i.status === 'running' && i.health === 'ready').length;
    const failed = list.filter((i) => i.status === 'failed' || i.health === 'failed').length;
    return { running, ready, failed };
  }, [list]);

  return (
    <div className="page">
      <PageHeader
        title="Instances"
        subtitle={
          list.length === 0
            ? 'Model servers managed by this Llamactl.'
            : `${list.length} defined · ${counts.running} running · ${counts.ready} ready${counts.failed ? ` · ${counts.failed} failed` : ''}`
        }
        actions={
          <>
            {list.length > 0 && (
              <button
                type="button"
                className="btn btn-secondary"
                disabled={!online || stoppable.length === 0 || bulk.isPending}
                title={stoppable.length === 0 ? 'Nothing is running' : undefined}
                onClick={() =>
                  runBulk(
                    'stop',
                    stoppable.map((i) => i.name),
                    'stop',
                  )
                }
              >
                <Icon name="stop" size={14} />
                Stop all
              </button>
            )}
            <button
              type="button"
              className="btn btn-primary"
              disabled={!online}
              onClick={() => open({ kind: 'create' })}
            >
              <Icon name="plus" />
              Create instance
            </button>
          </>
        }
      />

      {isPending && (
        <div className="card card-pad center">
          <Spinner label="Loading instances…" />
        </div>
      )}
      {error && (
        <ErrorCallout
          action={
            <button
              type="button"
              className="btn btn-secondary btn-sm"
              onClick={() => void refetch()}
            >
              Retry
            </button>
          }
        >
          Could not load instances: {error.message}
        </ErrorCallout>
      )}

      {data && list.length === 0 && (
        <div className="card">
          <EmptyState
            icon="server"
            title="No instances yet"
            action={
              <button
                type="button"
                className="btn btn-primary"
                disabled={!online}
                onClick={() => open({ kind: 'create' })}
              >
                <Icon name="plus" />
                Create your first instance
              </button>
            }
          >
            <p>
              An instance is one model server (llama.cpp, MLX or vLLM) that Llamactl starts, watches
              and routes requests to. Create one with a model file path or a Hugging Face repo, or{' '}
              <a href="#/models">download a model</a> first and create the instance from it.
            </p>
            <p className="muted small">
              Once it runs, any OpenAI client can use it at <code>/v1</code> with the instance name
              as the model.
            </p>
          </EmptyState>
        </div>
      )}

      {list.length > 0 && (
        <>
          <div className="toolbar">
            <div className="search">
              <Icon name="search" />
              <input
                type="search"
                className="input"
                placeholder="Search name, model, group, node, port…"
                aria-label="Search instances"
                value={search}
                onChange={(e) => setSearch(e.target.value)}
              />
            </div>
            <Segmented
              className="segmented-text"
              label="Filter by status"
              value={status}
              onChange={setStatus}
              options={STATUS_FILTERS.map((f) => ({ value: f.v, label: f.label }))}
            />
            <select
              className="select select-compact"
              aria-label="Filter by backend"
              value={backend}
              onChange={(e) => setBackend(e.target.value)}
            >
              <option value="all">All backends</option>
              {backendDescriptors().map((d) => (
                <option key={d.type} value={d.type}>
                  {d.label}
                </option>
              ))}
            </select>
          </div>
          {selected.length > 0 && (
            <SelectionBar
              count={selected.length}
              startable={selected.filter((i) => canStart(i.status)).map((i) => i.name)}
              stoppable={selected.filter((i) => canStop(i.status)).map((i) => i.name)}
              deletable={selected.filter((i) => canDelete(i.status)).map((i) => i.name)}
              disabled={!online || bulk.isPending}
              onStart={(names) => runBulk('start', names, 'start')}
              onStop={(names) => runBulk('stop', names, 'stop')}
              onDelete={(names) => open({ kind: 'delete-many', names })}
              onClear={() => setSelected([])}
            />
          )}
          <div className="card table-card">
            <table className="table instances-table">
              <thead>
                <tr>
                  <th scope="col" className="select-col">
                    <SelectAll
                      shown={filtered.map((i) => i.name)}
                      selected={selectedSet}
                      onChange={setSelected}
                    />
                  </th>
                  <SortHeader k="name" label="Instance" />
                  <SortHeader k="status" label="Status" />
                  {showBackend && <SortHeader k="backend" label="Backend" className="hide-sm" />}
                  {showNode && <SortHeader k="node" label="Node" className="hide-md" />}
                  <SortHeader k="group" label="Group" className="hide-md" />
                  <SortHeader k="port" label="Port" className="hide-sm" />
                  <ActionsHeader />
                </tr>
              </thead>
              <tbody>
                {shown.map((i) => (
                  <InstanceRow
                    key={i.name}
                    instance={i}
                    selected={selectedSet.has(i.name)}
                    showBackend={showBackend}
                    showNode={showNode}
                  />
                ))}
              </tbody>
            </table>
            {filtered.length === 0 && (
              <div className="table-empty">
                No instance matches these filters.{' '}
                <button
                  type="button"
                  className="link-button"
                  onClick={() => {
                    setSearch('');
                    setStatus('all');
                    setBackend('all');
                  }}
                >
                  Clear filters
                </button>
              </div>
            )}
          </div>
        </>
      )}
      <Suspense fallback={null}>
        <InstanceDialogs />
      </Suspense>
    </div>
  );
}

/** A column header that sorts the table by its column; again flips the direction. */
function SortHeader({ k, label, className }: { k: SortKey; label: string; className?: string }) {
  const sort = useInstancesUi((s) => s.sort);
  const sortBy = useInstancesUi((s) => s.sortBy);
  const active = sort.key === k;
  return (
    <th
      scope="col"
      className={className}
      aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}
    >
      <button type="button" className="sort-button" onClick={() => sortBy(k)}>
        {label}
        <Icon name={active ? (sort.dir === 'asc' ? 'arrowUp' : 'arrowDown') : 'sort'} size={12} />
      </button>
    </th>
  );
}

/** Ticks or clears every row shown (after filters); mixed shows as indeterminate. */
function SelectAll({
  shown,
  selected,
  onChange,
}: {
  shown: string[];
  selected: Set<string>;
  onChange(names: string[]): void;
}) {
  const ref = useRef<HTMLInputElement>(null);
  const ticked = shown.filter((n) => selected.has(n)).length;
  const all = shown.length > 0 && ticked === shown.length;
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = ticked > 0 && !all;
  }, [ticked, all]);
  return (
    <input
      ref={ref}
      type="checkbox"
      aria-label="Select all shown instances"
      checked={all}
      onChange={() => onChange(all ? [] : shown)}
    />
  );
}

/** What can be done with the ticked rows; each button says how many it applies to. */
function SelectionBar({
  count,
  startable,
  stoppable,
  deletable,
  disabled,
  onStart,
  onStop,
  onDelete,
  onClear,
}: {
  count: number;
  startable: string[];
  stoppable: string[];
  deletable: string[];
  disabled: boolean;
  onStart(names: string[]): void;
  onStop(names: string[]): void;
  onDelete(names: string[]): void;
  onClear(): void;
}) {
  const n = (k: number) => (k === count ? '' : ` ${k}`);
  return (
    <div className="selection-bar" role="region" aria-label="Selected instances">
      <span className="selection-count">{count} selected</span>
      <div className="selection-actions">
        <button
          type="button"
          className="btn btn-secondary btn-sm"
          disabled={disabled || startable.length === 0}
          onClick={() => onStart(startable)}
        >
          <Icon name="play" size={14} />
          Start{n(startable.length)}
        </button>
        <button
          type="button"
          className="btn btn-secondary btn-sm"
          disabled={disabled || stoppable.length === 0}
          onClick={() => onStop(stoppable)}
        >
          <Icon name="stop" size={14} />
          Stop{n(stoppable.length)}
        </button>
        <button
          type="button"
          className="btn btn-danger btn-sm"
          disabled={disabled || deletable.length === 0}
          title={deletable.length < count ? 'Running instances are not deleted' : undefined}
          onClick={() => onDelete(deletable)}
        >
          <Icon name="trash" size={14} />
          Delete{n(deletable.length)}
        </button>
        <button type="button" className="btn btn-ghost btn-sm" onClick={onClear}>
          Clear
        </button>
      </div>
    </div>
  );
}

/** Rows rendered in the first paint; the rest follow in a transition that yields to input. */
const FIRST_ROWS = 16;

/**
 * Long lists render in two steps: one screenful at once, then everything as a low-priority
 * transition, so the page answers clicks and typing while hundreds of rows are still rendering.
 */
function useProgressive<T>(items: T[]): T[] {
  const [all, setAll] = useState(false);
  useEffect(() => {
    if (all || items.length <= FIRST_ROWS) return;
    startTransition(() => setAll(true));
  }, [all, items.length]);
  return all ? items : items.slice(0, FIRST_ROWS);
}

export function InstanceDialogs() {
  const dialog = useInstanceDialog();
  if (!dialog) return null;
  switch (dialog.kind) {
    case 'create':
      return <InstanceDialog mode="create" prefill={dialog.prefill} />;
    case 'edit':
      return <InstanceDialog mode="edit" name={dialog.name} />;
    case 'logs':
      return <LogViewer name={dialog.name} />;
    case 'models':
      return <RouterModelsDialog name={dialog.name} />;
    case 'delete':
      return <DeleteInstanceDialog name={dialog.name} />;
    case 'delete-many':
      return <DeleteInstancesDialog names={dialog.names} />;
  }
}
