import { useState } from 'react';
import {
  RUNTIME_VARIANTS,
  type RuntimeInfo,
  type RuntimeVariant,
  type RuntimeSource,
} from '../../../../shared/api/runtimes';
import { Badge } from '../../../components/badge';
import { ConfirmDialog } from '../../../components/confirm-dialog';
import { ErrorCallout } from '../../../components/error-callout';
import { Icon } from '../../../components/icon';
import { PageHeader } from '../../../components/page-header';
import { Spinner } from '../../../components/spinner';
import { toast } from '../../../components/toasts';
import { formatBytes, formatDate } from '../../../lib/format';
import { useDismissedJobs } from '../../models/ui-store';
import {
  useCheckForUpdates,
  useInstallRuntime,
  useReleases,
  useRemoveRuntime,
  useRuntimeJobs,
  useRuntimes,
  useSetDefaultRuntime,
} from '../queries';
import { RuntimeJobRow } from './runtime-job-row';
import '../../../styles/setup.css';

export const SOURCE_LABELS: Record<RuntimeSource, string> = {
  configured: 'Configured',
  path: 'PATH',
  homebrew: 'Homebrew',
  'local-bin': '~/.local/bin',
  app: 'Installed here',
};

export const VARIANT_LABELS: Record<RuntimeVariant, string> = {
  cpu: 'CPU',
  vulkan: 'Vulkan',
  cuda: 'CUDA',
  metal: 'Metal',
};

export function RuntimesPage() {
  const runtimes = useRuntimes();
  const jobs = useRuntimeJobs();
  const dismissed = useDismissedJobs((s) => s.ids);
  const check = useCheckForUpdates();
  const visibleJobs = jobs.filter((j) => !dismissed.includes(j.id));
  return (
    <div className="page">
      <PageHeader
        title="Runtimes"
        subtitle="The llama-server builds on this machine. New llama.cpp instances start with the default one."
        actions={
          <button
            type="button"
            className="btn btn-secondary"
            disabled={check.isPending}
            onClick={() =>
              check.mutate(undefined, {
                onSuccess: (r) =>
                  r.update_available
                    ? toast.success('Update available', `llama.cpp ${r.latest} can be installed.`)
                    : toast.success(
                        'Up to date',
                        r.latest ? `The latest release is ${r.latest}.` : undefined,
                      ),
                onError: (e) => toast.error('Could not check for updates', e),
              })
            }
          >
            {check.isPending ? <Spinner size={14} /> : <Icon name="retry" size={14} />}
            Check for updates
          </button>
        }
      />
      {runtimes.error && <ErrorCallout>{runtimes.error.message}</ErrorCallout>}
      {runtimes.data && <DefaultCard data={runtimes.data} />}

      {visibleJobs.length > 0 && (
        <section className="card" aria-label="Runtime installs">
          <div className="card-head">
            <h2>Installs</h2>
          </div>
          <ul className="job-list">
            {visibleJobs.map((j) => (
              <RuntimeJobRow key={j.id} job={j} />
            ))}
          </ul>
        </section>
      )}

      <section className="card table-card" aria-label="Installed runtimes">
        <div className="card-head">
          <h2>Installed and detected</h2>
          {runtimes.isFetching && <Spinner size={14} />}
        </div>
        {runtimes.isPending && (
          <div className="card-pad">
            <Spinner label="Looking for llama-server…" />
          </div>
        )}
        {runtimes.data && runtimes.data.runtimes.length === 0 && (
          <p className="card-pad muted">
            No llama-server found on this machine. Install one of the releases below.
          </p>
        )}
        {runtimes.data && runtimes.data.runtimes.length > 0 && (
          <ul className="runtime-list">
            {runtimes.data.runtimes.map((r) => (
              <RuntimeRow key={r.path} runtime={r} />
            ))}
          </ul>
        )}
      </section>

      <ReleasesCard recommended={runtimes.data?.hardware.recommended_variant} />
    </div>
  );
}

function DefaultCard({ data }: { data: NonNullable<ReturnType<typeof useRuntimes>['data']> }) {
  const hw = data.hardware;
  return (
    <div className="grid-2">
      <section className="card" aria-label="Default runtime">
        <div className="card-head">
          <h2>Default</h2>
          <Badge tone={data.default.path ? 'success' : 'warning'} dot>
            {data.default.path ? 'Ready' : 'Not found'}
          </Badge>
        </div>
        <dl className="kv card-pad">
          <dt>Command</dt>
          <dd className="mono">{data.default.command}</dd>
          <dt>Set by</dt>
          <dd>
            <SourceTag source={data.default.source} />
          </dd>
          <dt>Runs</dt>
          <dd className="mono">
            {data.default.path ?? <span className="text-danger">cannot be found</span>}
          </dd>
        </dl>
      </section>
      <section className="card" aria-label="This machine">
        <div className="card-head">
          <h2>This machine</h2>
        </div>
        <dl className="kv card-pad">
          <dt>System</dt>
          <dd>
            {hw.os} · {hw.arch} · {formatBytes(hw.memory_bytes)} memory
          </dd>
          <dt>GPUs</dt>
          <dd>
            {hw.gpus.length === 0
              ? 'none detected'
              : hw.gpus
                  .map(
                    (g) =>
                      `${g.name ?? g.vendor}${g.memory_bytes ? ` (${formatBytes(g.memory_bytes)})` : ''}`,
                  )
                  .join(', ')}
          </dd>
          <dt>Suits</dt>
          <dd>{VARIANT_LABELS[hw.recommended_variant]} build</dd>
        </dl>
      </section>
    </div>
  );
}

/** Where a setting came from, in the words of the config docs. */
export function SourceTag({ source }: { source: string }) {
  const tone = source === 'environment' ? 'warning' : source === 'settings' ? 'accent' : 'neutral';
  return (
    <Badge tone={tone} title="Where this value comes from">
      {source === 'environment'
        ? 'environment variable'
        : source === 'file'
          ? 'config file'
          : source === 'settings'
            ? 'dashboard settings'
            : source}
    </Badge>
  );
}

function RuntimeRow({ runtime: r }: { runtime: RuntimeInfo }) {
  const setDefault = useSetDefaultRuntime();
  const [removing, setRemoving] = useState(false);
  const label = r.tag ? `${r.tag}${r.variant ? ` ${VARIANT_LABELS[r.variant]}` : ''}` : r.path;
  return (
    <li className="runtime" data-runtime={r.path}>
      <div className="runtime-head">
        <div className="runtime-title">
          <strong>{r.tag ?? r.build ?? 'llama-server'}</strong>
          {r.variant && <span className="tag-chip">{VARIANT_LABELS[r.variant]}</span>}
          {r.default && (
            <Badge tone="success" dot>
              Default
            </Badge>
          )}
          {r.sources.map((s) => (
            <Badge key={s} tone="neutral">
              {SOURCE_LABELS[s]}
            </Badge>
          ))}
        </div>
        <div className="row-actions">
          {!r.default && !r.error && (
            <button
              type="button"
              className="btn btn-secondary btn-sm"
              aria-label={`Use ${label} as the default`}
              disabled={setDefault.isPending}
              onClick={() =>
                setDefault.mutate(r.path, {
                  onSuccess: () => toast.success('Default runtime changed', r.path),
                  onError: (e) => toast.error('Could not change the default', e),
                })
              }
            >
              <Icon name="check" size={14} />
              Set default
            </button>
          )}
          {r.tag && (
            <button
              type="button"
              className="btn btn-ghost btn-icon"
              aria-label={`Remove ${label}`}
              title="Remove"
              onClick={() => setRemoving(true)}
            >
              <Icon name="trash" />
            </button>
          )}
        </div>
      </div>
      <div className="runtime-meta small">
        <span className="mono truncate" title={r.path}>
          {r.path}
        </span>
        {r.version && <span>{r.version}</span>}
        {r.installed_at && <span>installed {formatDate(r.installed_at)}</span>}
      </div>
      {r.error && <p className="small text-danger">Does not run: {r.error}</p>}
      {r.devices.length > 0 && (
        <ul className="device-list small" aria-label={`Devices of ${label}`}>
          {r.devices.map((d) => (
            <li key={d}>
              <Icon name="cpu" size={13} /> {d}
            </li>
          ))}
        </ul>
      )}
      {removing && r.tag && <RemoveDialog runtime={r} onClose={() => setRemoving(false)} />}
    </li>
  );
}

function RemoveDialog({ runtime: r, onClose }: { runtime: RuntimeInfo; onClose(): void }) {
  const remove = useRemoveRuntime();
  return (
    <ConfirmDialog
      title={`Remove llama.cpp ${r.tag}${r.variant ? ` (${VARIANT_LABELS[r.variant]})` : ''}?`}
      body={
        <p>
          Its files are deleted.
          {r.default
            ? ' It is the default: new starts use the configured or PATH llama-server again.'
            : ''}{' '}
          Running instances keep running until they stop.
        </p>
      }
      confirmLabel="Remove"
      destructive
      onConfirm={async () => {
        await remove.mutateAsync({ tag: r.tag!, variant: r.variant });
        toast.success('Runtime removed');
      }}
      onClose={onClose}
    />
  );
}

function ReleasesCard({ recommended }: { recommended?: RuntimeVariant }) {
  const releases = useReleases();
  const install = useInstallRuntime();
  const [version, setVersion] = useState('latest');
  const [variant, setVariant] = useState<RuntimeVariant | ''>('');
  const data = releases.data;
  const chosen =
    data?.releases.find((r) => r.tag === (version === 'latest' ? data.latest : version)) ?? null;
  const offered = chosen ? chosen.assets.map((a) => a.variant) : [...RUNTIME_VARIANTS];
  const effectiveVariant = variant && offered.includes(variant) ? variant : '';
  const asset = chosen
    ? effectiveVariant
      ? (chosen.assets.find((a) => a.variant === effectiveVariant) ?? null)
      : chosen.asset
    : null;
  const already = chosen && asset ? chosen.installed.includes(asset.variant) : false;
  return (
    <section className="card" aria-label="Available releases">
      <div className="card-head">
        <h2>Available releases</h2>
        {data?.update_available && <Badge tone="info">Update available</Badge>}
        {releases.isFetching && <Spinner size={14} />}
      </div>
      <div className="card-pad stack">
        {releases.error && (
          <ErrorCallout
            action={
              <button
                type="button"
                className="btn btn-secondary btn-sm"
                onClick={() => void releases.refetch()}
              >
                Try again
              </button>
            }
          >
            Could not list llama.cpp releases: {releases.error.message}
          </ErrorCallout>
        )}
        {data?.note && <p className="small muted">{data.note}</p>}
        <form
          className="install-form"
          onSubmit={(e) => {
            e.preventDefault();
            install.mutate(
              { version, variant: effectiveVariant || undefined },
              {
                onSuccess: (r) =>
                  toast.success(
                    'Install started',
                    `llama.cpp ${r.tag} (${VARIANT_LABELS[r.variant]})`,
                  ),
                onError: (err) => toast.error('Could not install', err),
              },
            );
          }}
        >
          <label className="field">
            <span className="field-label">Version</span>
            <select className="select" value={version} onChange={(e) => setVersion(e.target.value)}>
              <option value="latest">Latest{data?.latest ? ` (${data.latest})` : ''}</option>
              {data?.releases
                .filter((r) => r.assets.length > 0)
                .map((r) => (
                  <option key={r.tag} value={r.tag}>
                    {r.tag}
                    {r.prerelease ? ' (pre-release)' : ''}
                  </option>
                ))}
            </select>
          </label>
          <label className="field">
            <span className="field-label">Build</span>
            <select
              className="select"
              value={effectiveVariant}
              onChange={(e) => setVariant(e.target.value as RuntimeVariant | '')}
            >
              <option value="">
                Best for this machine
                {recommended ? ` (${VARIANT_LABELS[chosen?.asset?.variant ?? recommended]})` : ''}
              </option>
              {offered.map((v) => (
                <option key={v} value={v}>
                  {VARIANT_LABELS[v]}
                </option>
              ))}
            </select>
          </label>
          <button
            type="submit"
            className="btn btn-primary"
            disabled={install.isPending || already || (!!data && !asset)}
          >
            <Icon name="download" size={16} />
            {already ? 'Installed' : 'Install'}
          </button>
        </form>
        {asset && (
          <p className="small muted">
            <span className="mono">{asset.name}</span> · {formatBytes(asset.size)}
            {asset.digest ? ' · checked against its SHA-256 before unpacking' : ''}
          </p>
        )}
        {data && chosen && !asset && (
          <p className="small text-danger">This release has no build for this machine.</p>
        )}
      </div>
      {data && data.releases.length > 0 && (
        <table className="table releases-table">
          <thead>
            <tr>
              <th scope="col">Release</th>
              <th scope="col" className="hide-sm">
                Published
              </th>
              <th scope="col">Build for this machine</th>
              <th scope="col" className="num hide-sm">
                Size
              </th>
            </tr>
          </thead>
          <tbody>
            {data.releases.slice(0, 10).map((r) => (
              <tr key={r.tag}>
                <td>
                  <strong>{r.tag}</strong>{' '}
                  {r.tag === data.latest && <Badge tone="info">latest</Badge>}{' '}
                  {r.installed.map((v) => (
                    <Badge key={v} tone="success">
                      {VARIANT_LABELS[v]} installed
                    </Badge>
                  ))}
                </td>
                <td className="hide-sm">{new Date(r.published_at).toLocaleDateString()}</td>
                <td className="mono small asset-cell">
                  {r.asset?.name ?? <span className="muted">none</span>}
                </td>
                <td className="num hide-sm">{r.asset ? formatBytes(r.asset.size) : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
