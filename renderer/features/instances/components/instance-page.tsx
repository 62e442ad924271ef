import { Suspense } from 'react';
import type { Instance } from '../../../../shared/api/instances';
import { canStart, canStop } from '../../../../shared/instance-status';
import { Badge } from '../../../components/badge';
import { EmptyState } from '../../../components/empty-state';
import { Icon } from '../../../components/icon';
import { Spinner } from '../../../components/spinner';
import { toast } from '../../../components/toasts';
import { formatBytes, formatDuration, formatRelative } from '../../../lib/format';
import { chatHref, routeHref } from '../../../lib/router';
import { useNow } from '../../../lib/use-now';
import { useServerReachable } from '../../../lib/connection';
import {
  backendLabel,
  instanceModel,
  instancePort,
  isRouterMode,
  startErrorText,
  stateBadge,
} from '../labels';
import { useInstanceAction, type InstanceAction } from '../mutations';
import { useInstances } from '../queries';
import { useOpenInstanceDialog } from '../ui-store';
import { llamaWebUiUrl, useLlamaWebUi } from '../web-ui';
import { InstanceEndpoint } from './instance-endpoint';
import { InstanceLogPanel } from './instance-log-panel';
import { InstanceDialogs } from './instances-page';
import '../../../styles/instance.css';

/** Seconds the process has run: the last resource sample's uptime plus the time since it. */
export function uptimeSeconds(i: Instance, now: number): number | null {
  if (i.status !== 'running' || !i.resources) return null;
  return i.resources.uptime_seconds + Math.max(0, (now - i.resources.sampled_at) / 1000);
}

export function lastExitText(i: Instance): string {
  const e = i.last_exit;
  if (!e) return 'None';
  const how = e.signal ? `killed by ${e.signal}` : `exit code ${e.code ?? '?'}`;
  return `${how}, ${formatRelative(e.at)}`;
}

function Status({ i }: { i: Instance }) {
  const now = useNow(1000);
  const up = uptimeSeconds(i, now);
  const port = instancePort(i);
  return (
    <section className="card" aria-labelledby="status-title">
      <div className="card-head">
        <h2 id="status-title">Status</h2>
      </div>
      <dl className="kv card-pad">
        <dt>Uptime</dt>
        <dd>{up === null ? '–' : formatDuration(up)}</dd>
        <dt>Memory</dt>
        <dd>{i.status === 'running' && i.resources ? formatBytes(i.resources.rss_bytes) : '–'}</dd>
        <dt>Memory estimate</dt>
        <dd title="Weights, KV cache, compute buffer and base, from the model's GGUF header and the options: what a start is checked against">
          {i.memory_estimate_bytes ? formatBytes(i.memory_estimate_bytes) : '–'}
        </dd>
        <dt>PID</dt>
        <dd className="mono">{i.pid ?? '–'}</dd>
        <dt>Port</dt>
        <dd className="mono">{port ?? (i.status === 'running' ? 'assigned' : '–')}</dd>
        <dt>Last request</dt>
        <dd>{i.last_request_at ? formatRelative(i.last_request_at, now) : 'Never'}</dd>
        <dt>Requests now</dt>
        <dd>{i.in_flight ?? 0}</dd>
        <dt>Restarts</dt>
        <dd>{i.restarts ?? 0}</dd>
        <dt>Last exit</dt>
        <dd>{lastExitText(i)}</dd>
        <dt>Backend</dt>
        <dd>
          {backendLabel(i.options.backend_type)}
          {i.options.docker_enabled ? ' in Docker' : ''}
        </dd>
        <dt>Node</dt>
        <dd>{i.node ?? 'local'}</dd>
        <dt>Model</dt>
        <dd className="mono">{instanceModel(i) ?? 'Router mode: models are loaded on request'}</dd>
      </dl>
    </section>
  );
}

/** Why the last start failed, until the next start (the server clears `last_error` then). */
function StartError({ i }: { i: Instance }) {
  const text = startErrorText(i);
  if (!text || !i.last_error) return null;
  return (
    <div className="callout callout-danger start-error-callout" role="status">
      <Icon name="alert" />
      <span>
        <strong>
          {i.status === 'restarting' ? 'It crashed' : 'The last start failed'}{' '}
          {formatRelative(i.last_error.at)}:
        </strong>{' '}
        {text} The log below has the details; this stays until the next start.
      </span>
    </div>
  );
}

/** One instance: its state, how to call it, and its live log (#/instances/<name>). */
export function InstancePage({ name }: { name: string }) {
  const { data, isPending } = useInstances();
  const open = useOpenInstanceDialog();
  const action = useInstanceAction();
  const online = useServerReachable();
  const i = data?.find((x) => x.name === name);
  const running = i?.status === 'running' && i.health === 'ready';
  const webUi = useLlamaWebUi(name, !!i && running && i.options.backend_type === 'llama_cpp');

  if (isPending)
    return (
      <div className="page-loading">
        <Spinner label="Loading…" />
      </div>
    );
  if (!i)
    return (
      <div className="page">
        <div className="card">
          <EmptyState
            icon="server"
            title={`No instance named ${name}`}
            action={
              <a className="btn btn-primary" href={routeHref('instances')}>
                Back to instances
              </a>
            }
          >
            <p>It may have been deleted or renamed.</p>
          </EmptyState>
        </div>
      </div>
    );

  const badge = stateBadge(i);
  const run = (a: InstanceAction) =>
    action.mutate(
      { name, action: a },
      { onError: (err) => toast.error(`Could not ${a} ${name}`, err) },
    );
  return (
    <div className="page instance-page">
      <nav className="breadcrumb small" aria-label="Breadcrumb">
        <a href={routeHref('instances')}>Instances</a>
        <Icon name="chevronRight" size={12} />
        <span aria-current="page">{name}</span>
      </nav>
      <header className="page-header">
        <div>
          <h1 className="title-with-badge">
            <span className="instance-title">{name}</span>
            <span className={online ? 'title-badge' : 'title-badge is-stale'}>
              <Badge tone={badge.tone} dot pulse={badge.pulse}>
                {badge.label}
              </Badge>
            </span>
            {!online && (
              <span
                className="stale-mark"
                title="The server can't be reached: this may have changed"
              >
                last known
              </span>
            )}
          </h1>
          <p className="page-subtitle mono">{instanceModel(i) ?? 'router mode'}</p>
        </div>
        <div className="page-actions">
          {canStop(i.status) ? (
            <button
              type="button"
              className="btn btn-secondary"
              disabled={action.isPending || !online}
              onClick={() => run('stop')}
            >
              <Icon name="stop" size={14} />
              Stop
            </button>
          ) : (
            <button
              type="button"
              className="btn btn-primary"
              disabled={action.isPending || !online || !canStart(i.status)}
              onClick={() => run('start')}
            >
              <Icon name="play" size={14} />
              Start
            </button>
          )}
          <button
            type="button"
            className="btn btn-secondary"
            disabled={!online}
            onClick={() => open({ kind: 'edit', name })}
          >
            <Icon name="edit" size={14} />
            Edit
          </button>
          <a className="btn btn-secondary" href={chatHref(isRouterMode(i) ? undefined : name)}>
            <Icon name="chat" size={14} />
            Open chat
          </a>
          {webUi.data && (
            <a
              className="btn btn-secondary"
              href={llamaWebUiUrl(name)}
              target="_blank"
              rel="noopener noreferrer"
            >
              <Icon name="external" size={14} />
              Open llama-server&apos;s page
            </a>
          )}
        </div>
      </header>
      <StartError i={i} />
      <div className="instance-grid">
        <Status i={i} />
        <InstanceEndpoint instance={i} />
      </div>
      <InstanceLogPanel name={name} onOpenFull={() => open({ kind: 'logs', name })} />
      <Suspense fallback={null}>
        <InstanceDialogs />
      </Suspense>
    </div>
  );
}
