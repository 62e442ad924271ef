import { lazy, startTransition, Suspense, useEffect, useMemo, useState } from 'react';
import type { Instance } from '../../../../shared/api/instances';
import { Icon } from '../../../components/icon';
import { PageHeader } from '../../../components/page-header';
import { ErrorCallout } from '../../../components/error-callout';
import { EmptyState } from '../../../components/empty-state';
import { Segmented } from '../../../components/segmented';
import { Spinner } from '../../../components/spinner';
import { ActionsHeader } from '../../../components/table-parts';
import { useInstances } from '../queries';
import { useServerReachable } from '../../../lib/connection';
import { backendDescriptors } from '../../../../shared/backends';
import { instanceModel } from '../labels';
import {
  useInstanceDialog,
  useInstancesUi,
  useOpenInstanceDialog,
  type StatusFilter,
} from '../ui-store';
import { InstanceRow } from './instance-row';
import { DeleteInstanceDialog } from './delete-instance-dialog';

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

  const list = useMemo(() => data ?? [], [data]);
  const filtered = useMemo(
    () => list.filter((i) => matchesFilter(i, search, status, backend)),
    [list, search, status, backend],
  );
  const shown = useProgressive(filtered);
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
          <button
            type="button"
            className="btn btn-primary"
            disabled={!online}
            onClick={() => open({ kind: 'create' })}
          >
            <Icon name="plus" />
            Create instance
          </button>
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
          <div className="card table-card">
            <table className="table instances-table">
              <thead>
                <tr>
                  <th scope="col">Instance</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="hide-sm">
                    Backend
                  </th>
                  <th scope="col" className="hide-md">
                    Node
                  </th>
                  <th scope="col" className="hide-md">
                    Group
                  </th>
                  <th scope="col" className="hide-sm">
                    Port
                  </th>
                  <ActionsHeader />
                </tr>
              </thead>
              <tbody>
                {shown.map((i) => (
                  <InstanceRow key={i.name} instance={i} />
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
  }
}
