import { useState } from 'react';
import { Badge } from '../../../components/badge';
import { CopyButton } from '../../../components/copy-button';
import { Icon } from '../../../components/icon';
import { PageHeader } from '../../../components/page-header';
import { Spinner } from '../../../components/spinner';
import { serverBase } from '../../../lib/api-client';
import { desktop } from '../../../lib/desktop';
import {
  useLlamaServerInfo,
  useNodeReachability,
  useServerConfig,
  useServerVersion,
} from '../queries';

export function SystemPage() {
  const version = useServerVersion();
  const config = useServerConfig();
  const nodes = useNodeReachability();
  // on demand: each check spawns llama-server (--list-devices initialises GPU drivers)
  const [checkLlama, setCheckLlama] = useState(false);
  const llamaVersion = useLlamaServerInfo('version', checkLlama);
  const llamaDevices = useLlamaServerInfo('devices', checkLlama);
  const d = desktop();
  const configText = config.data ? JSON.stringify(config.data, null, 2) : '';
  return (
    <div className="page">
      <PageHeader title="System" subtitle="This server, its backends and the nodes it can reach." />
      <div className="grid-2">
        <section className="card" aria-label="Server">
          <div className="card-head">
            <h2>Server</h2>
          </div>
          <dl className="kv card-pad">
            <dt>Version</dt>
            <dd>{version.data?.version ?? '…'}</dd>
            <dt>Commit</dt>
            <dd className="mono">{version.data?.commit ?? '…'}</dd>
            <dt>Built</dt>
            <dd>{version.data?.buildTime ?? '…'}</dd>
            <dt>Address</dt>
            <dd className="mono">{serverBase()}</dd>
            <dt>OpenAI endpoint</dt>
            <dd className="kv-copy">
              <code>{`${serverBase()}v1`}</code>
              <CopyButton text={`${serverBase()}v1`} label="Copy endpoint URL" />
            </dd>
            {d && (
              <>
                <dt>Desktop app</dt>
                <dd>
                  {d.version}{' '}
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => void d.revealDataFolder()}
                  >
                    Open data folder
                  </button>{' '}
                  ·{' '}
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => void d.revealLogsFolder()}
                  >
                    Open logs folder
                  </button>
                </dd>
              </>
            )}
          </dl>
        </section>
        <section className="card" aria-label="llama-server">
          <div className="card-head">
            <h2>llama-server</h2>
            {checkLlama && (
              <button
                type="button"
                className="btn btn-ghost btn-sm"
                onClick={() => {
                  void llamaVersion.refetch();
                  void llamaDevices.refetch();
                }}
              >
                <Icon name="restart" size={14} />
                Run again
              </button>
            )}
          </div>
          <div className="card-pad stack">
            {checkLlama ? (
              <>
                <TerminalBlock label="llama-server --version" q={llamaVersion} />
                <TerminalBlock label="llama-server --list-devices" q={llamaDevices} />
              </>
            ) : (
              <div className="stack">
                <p className="muted">
                  Runs the configured llama-server with <code>--version</code> and{' '}
                  <code>--list-devices</code> to show its build and the GPUs it can use.
                </p>
                <div>
                  <button
                    type="button"
                    className="btn btn-secondary"
                    onClick={() => setCheckLlama(true)}
                  >
                    <Icon name="terminal" size={14} />
                    Check llama-server
                  </button>
                </div>
              </div>
            )}
          </div>
        </section>
      </div>
      <section className="card table-card" aria-label="Nodes">
        <div className="card-head">
          <h2>Nodes</h2>
          <button
            type="button"
            className="btn btn-ghost btn-sm"
            onClick={() => void nodes.refetch()}
            disabled={nodes.isFetching}
          >
            <Icon name="restart" size={14} />
            Check again
          </button>
        </div>
        {nodes.isPending && (
          <div className="card-pad">
            <Spinner label="Checking nodes…" />
          </div>
        )}
        {nodes.error && <p className="card-pad text-danger">{nodes.error.message}</p>}
        {nodes.data && (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Node</th>
                <th scope="col">Address</th>
                <th scope="col">Reachability</th>
              </tr>
            </thead>
            <tbody>
              {nodes.data.map((n) => (
                <tr key={n.name}>
                  <td>
                    <strong>{n.name}</strong>{' '}
                    {(n.local || !n.address) && <Badge tone="accent">this server</Badge>}
                  </td>
                  <td className="mono">{n.address || <span className="muted">local</span>}</td>
                  <td>
                    {n.local || !n.address ? (
                      <Badge tone="success" dot>
                        Local
                      </Badge>
                    ) : n.reachable === true ? (
                      <Badge tone="success" dot>
                        Reachable{n.version ? ` · ${n.version}` : ''}
                      </Badge>
                    ) : n.reachable === false ? (
                      <Badge tone="danger" dot title={n.error}>
                        Unreachable
                      </Badge>
                    ) : (
                      <Badge tone="neutral">Unknown</Badge>
                    )}
                    {n.error && <span className="small muted"> {n.error}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card" aria-label="Configuration">
        <div className="card-head">
          <h2>Configuration</h2>
          <span className="muted small">Effective settings; keys and secrets removed.</span>
          {configText && <CopyButton text={configText} />}
        </div>
        <div className="card-pad">
          {config.isPending && <Spinner label="Loading configuration…" />}
          {config.error && <p className="text-danger">{config.error.message}</p>}
          {configText && <pre className="config-block mono">{configText}</pre>}
        </div>
      </section>
    </div>
  );
}

function TerminalBlock({
  label,
  q,
}: {
  label: string;
  q: { data?: string; error: Error | null; isPending: boolean; isFetching: boolean };
}) {
  return (
    <div className="terminal">
      <div className="terminal-head mono">$ {label}</div>
      <pre className="mono">
        {q.isFetching && !q.data
          ? 'running…'
          : q.error
            ? `not available: ${q.error.message}`
            : q.data?.trim() || '(no output)'}
      </pre>
    </div>
  );
}
