import { memo } from 'react';
import type { Instance } from '../../../../shared/api/instances';
import { canDelete, canStart, canStop } from '../../../../shared/instance-status';
import { Badge } from '../../../components/badge';
import { Icon } from '../../../components/icon';
import { Menu } from '../../../components/menu';
import { toast } from '../../../components/toasts';
import { downloadText } from '../../../lib/format';
import { useInstanceAction, type InstanceAction } from '../mutations';
import {
  backendLabel,
  instanceModel,
  instancePort,
  isRouterMode,
  shortModel,
  startErrorText,
  stateBadge,
} from '../labels';
import { useInstancesUi, useOpenInstanceDialog } from '../ui-store';
import { instanceHref } from '../../../lib/router';
import { useServerReachable } from '../../../lib/connection';

function InstanceRowImpl({
  instance: i,
  selected,
  showBackend,
  showNode,
}: {
  instance: Instance;
  selected: boolean;
  /** hidden when every row would repeat one value */
  showBackend: boolean;
  showNode: boolean;
}) {
  const open = useOpenInstanceDialog();
  const toggle = useInstancesUi((s) => s.toggleSelected);
  const action = useInstanceAction();
  const badge = stateBadge(i);
  const model = instanceModel(i);
  const port = instancePort(i);
  const online = useServerReachable();
  // while the server is gone nothing can be done, and the state shown is only the last known one
  const busy = action.isPending || !online;
  const run = (a: InstanceAction) =>
    action.mutate(
      { name: i.name, action: a },
      {
        onError: (err) => toast.error(`Could not ${a} ${i.name}`, err),
      },
    );
  const exportJson = () => {
    const { id: _id, ...rest } = i;
    downloadText(
      `${i.name}.json`,
      JSON.stringify({ name: rest.name, options: rest.options }, null, 2),
      'application/json',
    );
  };
  const running = canStop(i.status);
  const startError = startErrorText(i);
  return (
    <tr
      data-instance={i.name}
      className={
        [online ? '' : 'is-stale', selected ? 'is-selected' : ''].join(' ').trim() || undefined
      }
    >
      <td className="select-col">
        <input
          type="checkbox"
          checked={selected}
          onChange={() => toggle(i.name)}
          aria-label={`Select ${i.name}`}
        />
      </td>
      <td>
        <div className="cell-main">
          <a className="instance-name" href={instanceHref(i.name)}>
            {i.name}
          </a>
          <span
            className="cell-sub mono"
            title={model ?? 'Router mode: models are loaded on request'}
          >
            {model ? shortModel(model) : 'router mode'}
          </span>
        </div>
      </td>
      <td>
        <span className="status-cell">
          <Badge
            tone={badge.tone}
            dot
            pulse={badge.pulse}
            title={
              i.last_exit
                ? `Last exit: code ${i.last_exit.code ?? '–'} ${i.last_exit.signal ?? ''}`
                : undefined
            }
          >
            {badge.label}
          </Badge>
          {!online && (
            <span className="stale-mark" title="The server can't be reached: this may have changed">
              last known
            </span>
          )}
          {i.unreachable && <Badge tone="warning">Node unreachable</Badge>}
          {badge.label === 'Failed' && i.last_exit && !startError && (
            <span
              className="muted small mono"
              title="How the backend process last ended; see its logs for the reason"
            >
              {i.last_exit.signal ?? `exit ${i.last_exit.code ?? '?'}`}
            </span>
          )}
          {!!i.restarts && i.restarts > 0 && (
            <span className="muted small" title="Automatic restarts since the last stable run">
              {i.restarts}× restarted
            </span>
          )}
        </span>
        {startError && (
          <p className="start-error small" title={startError}>
            <Icon name="alert" size={13} />
            <span>{startError}</span>
          </p>
        )}
      </td>
      {showBackend && (
        <td className="hide-sm">
          <span className={`backend-tag backend-${i.options?.backend_type}`}>
            {backendLabel(i.options?.backend_type)}
          </span>
          {i.options?.docker_enabled && <span className="backend-tag backend-docker">Docker</span>}
        </td>
      )}
      {showNode && (
        <td className="hide-md">
          {i.node ?? i.options?.nodes?.[0] ?? <span className="muted">local</span>}
        </td>
      )}
      <td className="hide-md">
        {i.options?.group ? (
          <span className="group-tag">{i.options.group}</span>
        ) : (
          <span className="muted">–</span>
        )}
      </td>
      <td className="hide-sm mono">{port ?? <span className="muted">–</span>}</td>
      <td className="actions-col">
        <div className="row-actions">
          {running ? (
            <button
              type="button"
              className="btn btn-secondary btn-sm"
              onClick={() => run('stop')}
              disabled={busy}
              aria-label={`Stop ${i.name}`}
            >
              <Icon name="stop" size={14} />
              <span className="btn-label">Stop</span>
            </button>
          ) : (
            <button
              type="button"
              className="btn btn-primary btn-sm"
              onClick={() => run('start')}
              disabled={busy || !canStart(i.status)}
              aria-label={`Start ${i.name}`}
            >
              <Icon name="play" size={14} />
              <span className="btn-label">Start</span>
            </button>
          )}
          <button
            type="button"
            className="btn btn-ghost btn-icon"
            onClick={() => open({ kind: 'logs', name: i.name })}
            aria-label={`Logs of ${i.name}`}
            title="Logs"
          >
            <Icon name="logs" />
          </button>
          <button
            type="button"
            className="btn btn-ghost btn-icon hide-xs"
            disabled={!online}
            onClick={() => open({ kind: 'edit', name: i.name })}
            aria-label={`Edit ${i.name}`}
            title="Edit"
          >
            <Icon name="edit" />
          </button>
          <Menu
            label={`More actions for ${i.name}`}
            items={[
              // the Edit button is hidden on phones; the menu always has it
              {
                label: 'Edit',
                icon: 'edit',
                onSelect: () => open({ kind: 'edit', name: i.name }),
                disabled: !online,
              },
              { label: 'Restart', icon: 'restart', onSelect: () => run('restart'), disabled: busy },
              {
                label: 'Router models',
                icon: 'layers',
                onSelect: () => open({ kind: 'models', name: i.name }),
                hidden: !isRouterMode(i),
              },
              { label: 'Export JSON', icon: 'download', onSelect: exportJson },
              {
                label: 'Delete',
                icon: 'trash',
                danger: true,
                disabled: !online || !canDelete(i.status),
                onSelect: () => open({ kind: 'delete', name: i.name }),
              },
            ]}
          />
        </div>
      </td>
    </tr>
  );
}

/** memo: with hundreds of rows, an event for one instance re-renders only that row */
export const InstanceRow = memo(InstanceRowImpl);
