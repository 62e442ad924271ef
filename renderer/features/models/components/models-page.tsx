import { Fragment, useState } from 'react';
import type { CachedModel, DownloadJob } from '../../../../shared/api/models';
import { Badge } from '../../../components/badge';
import { ConfirmDialog } from '../../../components/confirm-dialog';
import { EmptyState } from '../../../components/empty-state';
import { ErrorCallout } from '../../../components/error-callout';
import { Icon } from '../../../components/icon';
import { PageHeader } from '../../../components/page-header';
import { ProgressBar } from '../../../components/progress-bar';
import { Spinner } from '../../../components/spinner';
import { ActionsHeader, ExpandButton } from '../../../components/table-parts';
import { toast } from '../../../components/toasts';
import { formatBytes, formatDuration } from '../../../lib/format';
import { navigate } from '../../../lib/router';
import { jobSpeed } from '../../../lib/server-events';
import { useServerReachable } from '../../../lib/connection';
import { useNow } from '../../../lib/use-now';
import { useInstancesUi } from '../../instances/ui-store';
import { useDeleteJob, useDeleteModel, useStartDownload } from '../mutations';
import { useDismissedJobs } from '../ui-store';
import { useCachedModels, useDownloadJobs } from '../queries';
import { DownloadDialog } from './download-dialog';
import { LocalFiles } from './local-files';

export function ModelsPage() {
  const [downloading, setDownloading] = useState(false);
  const { data: jobs } = useDownloadJobs();
  const { data: models, isPending, error } = useCachedModels();
  const now = useNow();
  const dismissed = useDismissedJobs((s) => s.ids);
  const visibleJobs = (jobs ?? []).filter(
    (j) =>
      // llama.cpp installs share the job list; the Runtimes page shows them
      (j as { kind?: string }).kind !== 'runtime' &&
      !dismissed.includes(j.id) &&
      (j.status !== 'completed' || (j.completed_at ?? 0) > now / 1000 - 600),
  );
  return (
    <div className="page">
      <PageHeader
        title="Models"
        subtitle="Models in the local cache, ready to serve. Download GGUF or safetensors models from Hugging Face."
        actions={
          <button type="button" className="btn btn-primary" onClick={() => setDownloading(true)}>
            <Icon name="download" />
            Download model
          </button>
        }
      />

      {visibleJobs.length > 0 && (
        <section className="card" aria-label="Downloads">
          <div className="card-head">
            <h2>Downloads</h2>
          </div>
          <ul className="job-list">
            {visibleJobs.map((j) => (
              <JobRow key={j.id} job={j} cached={models} />
            ))}
          </ul>
        </section>
      )}

      <section className="card table-card" aria-label="Cached models">
        <div className="card-head">
          <h2>Cached models</h2>
          {models && models.length > 0 && (
            <span className="muted small">
              {models.length} model{models.length === 1 ? '' : 's'} ·{' '}
              {formatBytes(models.reduce((s, m) => s + (m.size_bytes ?? 0), 0))}
            </span>
          )}
        </div>
        {isPending && (
          <div className="card-pad center">
            <Spinner label="Scanning the cache…" />
          </div>
        )}
        {error && <ErrorCallout>{error.message}</ErrorCallout>}
        {models && models.length === 0 && (
          <EmptyState
            icon="box"
            title="No models yet"
            action={
              <button
                type="button"
                className="btn btn-primary"
                onClick={() => setDownloading(true)}
              >
                <Icon name="download" />
                Download a model
              </button>
            }
          >
            <p>
              Download a model from Hugging Face, for example{' '}
              <code>bartowski/Llama-3.2-3B-Instruct-GGUF</code>, then create an instance from it.
            </p>
          </EmptyState>
        )}
        {models && models.length > 0 && <ModelsTable models={models} />}
      </section>
      <LocalFiles />
      {downloading && <DownloadDialog onClose={() => setDownloading(false)} />}
    </div>
  );
}

/**
 * Whether a completed job's files are still in the cache: its `model_path` is a cached file (GGUF)
 * or the folder of cached files (safetensors). Unknown (null) until the cache listing is loaded.
 */
export function stillCached(job: DownloadJob, cached: CachedModel[] | undefined): boolean | null {
  if (!job.model_path) return false;
  if (!cached) return null;
  const path = job.model_path;
  return cached.some((m) => m.files.some((f) => f.path === path || f.path.startsWith(`${path}/`)));
}

/** `main` is the server's tag for "no tag given": not worth a chip. */
function shownTag(tag: string | undefined): string | undefined {
  return tag && tag !== 'main' ? tag : undefined;
}

function JobRow({ job, cached }: { job: DownloadJob; cached: CachedModel[] | undefined }) {
  const del = useDeleteJob();
  const retry = useStartDownload();
  const online = useServerReachable();
  const dismiss = useDismissedJobs((s) => s.dismiss);
  const restore = useDismissedJobs((s) => s.restore);
  const p = job.progress ?? { bytes_downloaded: 0, total_bytes: 0, current_file: '' };
  const pct =
    p.total_bytes > 0
      ? (p.bytes_downloaded / p.total_bytes) * 100
      : job.status === 'completed'
        ? 100
        : null;
  const speed = jobSpeed(job);
  const eta =
    speed > 0 && p.total_bytes > p.bytes_downloaded
      ? (p.total_bytes - p.bytes_downloaded) / speed
      : NaN;
  const active = job.status === 'queued' || job.status === 'downloading';
  const tag = shownTag(job.tag);
  const label = `${job.repo}${tag ? `:${tag}` : ''}`;
  const present = job.status === 'completed' ? stillCached(job, cached) : null;
  const tone =
    job.status === 'completed'
      ? 'success'
      : job.status === 'failed'
        ? 'danger'
        : job.status === 'cancelled'
          ? 'neutral'
          : 'info';
  return (
    <li className="job" data-job={job.id}>
      <div className="job-head">
        <div className="job-title">
          <span className="mono">{job.repo}</span>
          {tag && <span className="tag-chip">{tag}</span>}
          <Badge tone={tone} dot pulse={active}>
            {job.status[0].toUpperCase() + job.status.slice(1)}
          </Badge>
        </div>
        <div className="row-actions">
          {active && (
            <button
              type="button"
              className="btn btn-secondary btn-sm"
              disabled={!online}
              onClick={() => del.mutate(job, { onError: (e) => toast.error('Cancel failed', e) })}
              aria-label={`Cancel download of ${label}`}
            >
              <Icon name="x" size={14} />
              Cancel
            </button>
          )}
          {(job.status === 'failed' || job.status === 'cancelled') && (
            <button
              type="button"
              className="btn btn-secondary btn-sm"
              aria-label={`Retry download of ${label}`}
              disabled={!online}
              onClick={() => {
                // The new job's event can arrive before the POST answers: hide the old row at
                // once so the job never shows twice; bring it back if the retry fails.
                dismiss(job.id);
                retry.mutate(
                  {
                    repo: job.tag && job.tag !== 'main' ? `${job.repo}:${job.tag}` : job.repo,
                    format: job.format ?? 'gguf',
                  },
                  {
                    onError: (e) => {
                      restore(job.id);
                      toast.error('Retry failed', e);
                    },
                  },
                );
              }}
            >
              <Icon name="retry" size={14} />
              Retry
            </button>
          )}
          {!active && (
            <button
              type="button"
              className="btn btn-ghost btn-icon"
              onClick={() => dismiss(job.id)}
              aria-label={`Dismiss ${label}`}
              title="Dismiss"
            >
              <Icon name="x" size={14} />
            </button>
          )}
        </div>
      </div>
      {job.status !== 'failed' && (
        <ProgressBar
          tone={
            job.status === 'completed'
              ? 'success'
              : job.status === 'cancelled'
                ? 'muted'
                : undefined
          }
          value={job.status === 'queued' ? null : pct}
          label={`Download progress of ${label}`}
        />
      )}
      <div className="job-meta small">
        {job.status === 'failed' ? (
          <span className="text-danger">{job.error || 'Download failed'}</span>
        ) : (
          <>
            <span>
              {formatBytes(p.bytes_downloaded)} of{' '}
              {p.total_bytes ? formatBytes(p.total_bytes) : '…'}
              {pct !== null && ` · ${pct.toFixed(1)}%`}
            </span>
            {active && speed > 0 && <span>{formatBytes(speed)}/s</span>}
            {active && Number.isFinite(eta) && <span>{formatDuration(eta)} left</span>}
            {p.files_total > 0 && (
              <span>
                file {Math.min(p.files_done + (active ? 1 : 0), p.files_total)} of {p.files_total}
              </span>
            )}
            {active && p.current_file && <span className="mono truncate">{p.current_file}</span>}
            {present && (
              <span className="mono truncate" title={job.model_path}>
                {job.model_path}
              </span>
            )}
            {present === false && job.model_path && (
              <span className="muted">Deleted from the cache since</span>
            )}
          </>
        )}
      </div>
    </li>
  );
}

function mainFile(m: CachedModel) {
  return m.files.find((f) => f.type === 'gguf') ?? m.files[0];
}

function ModelsTable({ models }: { models: CachedModel[] }) {
  const [expanded, setExpanded] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<CachedModel | null>(null);
  const del = useDeleteModel();
  const openDialog = useInstancesUi((s) => s.open);
  const createFrom = (m: CachedModel) => {
    const f = mainFile(m);
    const gguf = f?.type === 'gguf';
    const base = m.repo
      .split('/')
      .pop()!
      .replace(/-GGUF$/i, '')
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-');
    const name = `${base}${m.tag && m.tag !== 'main' ? `-${m.tag.toLowerCase()}` : ''}`.slice(
      0,
      50,
    );
    navigate('instances');
    openDialog({
      kind: 'create',
      prefill: {
        name,
        options: gguf
          ? { backend_type: 'llama_cpp', backend_options: { model: f.path } }
          : {
              backend_type: 'vllm',
              backend_options: { model: f ? f.path.replace(/\/[^/]*$/, '') : m.repo },
            },
      },
    });
  };
  return (
    <>
      <table className="table models-table">
        <thead>
          <tr>
            <th scope="col">Repository</th>
            <th scope="col">Tag</th>
            <th scope="col" className="hide-sm">
              Details
            </th>
            <th scope="col" className="hide-md">
              Node
            </th>
            <th scope="col" className="num">
              Size
            </th>
            <ActionsHeader />
          </tr>
        </thead>
        <tbody>
          {models.map((m) => {
            const key = `${m.node}/${m.repo}:${m.tag ?? ''}`;
            const isOpen = expanded === key;
            return (
              <Fragment key={key}>
                <tr>
                  <td>
                    <ExpandButton open={isOpen} onToggle={() => setExpanded(isOpen ? null : key)}>
                      <span className="mono">{m.repo}</span>
                    </ExpandButton>
                  </td>
                  <td>
                    {m.tag ? (
                      <span className="tag-chip">{m.tag}</span>
                    ) : (
                      <span className="muted">–</span>
                    )}
                  </td>
                  <td className="hide-sm small">
                    {m.gguf ? (
                      <span className="gguf-details">
                        {m.gguf.architecture && <span>{m.gguf.architecture}</span>}
                        {m.gguf.parameter_count ? (
                          <span>{formatParams(m.gguf.parameter_count)}</span>
                        ) : null}
                        {m.gguf.quantization && <span>{m.gguf.quantization}</span>}
                        {m.gguf.context_length ? (
                          <span>{(m.gguf.context_length / 1024).toFixed(0)}K ctx</span>
                        ) : null}
                      </span>
                    ) : (
                      <span className="muted">
                        {m.files.length} file{m.files.length === 1 ? '' : 's'}
                      </span>
                    )}
                  </td>
                  <td className="hide-md">{m.node}</td>
                  <td className="num">{formatBytes(m.size_bytes)}</td>
                  <td className="actions-col">
                    <div className="row-actions">
                      <button
                        type="button"
                        className="btn btn-secondary btn-sm"
                        onClick={() => createFrom(m)}
                        aria-label={`Create instance from ${m.repo}${m.tag ? `:${m.tag}` : ''}`}
                        title="Create instance"
                      >
                        <Icon name="plus" size={14} />
                        <span className="btn-label">Create instance</span>
                      </button>
                      <button
                        type="button"
                        className="btn btn-ghost btn-icon"
                        onClick={() => setDeleting(m)}
                        aria-label={`Delete ${m.repo}${m.tag ? `:${m.tag}` : ''}`}
                        title="Delete"
                      >
                        <Icon name="trash" />
                      </button>
                    </div>
                  </td>
                </tr>
                {isOpen && (
                  <tr className="expanded-row">
                    <td colSpan={6}>
                      <ul className="file-list">
                        {m.files.map((f) => (
                          <li key={f.path}>
                            <span className={`file-type file-${f.type}`}>{f.type}</span>
                            <span className="mono truncate" title={f.path}>
                              {f.name}
                            </span>
                            <span className="muted">{formatBytes(f.size_bytes)}</span>
                          </li>
                        ))}
                      </ul>
                      {mainFile(m) && (
                        <p className="small muted mono truncate">Path: {mainFile(m)!.path}</p>
                      )}
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.repo}${deleting.tag ? `:${deleting.tag}` : ''}?`}
          body={
            <p>
              {deleting.tag ? 'The files of this tag' : 'All files of this repository'} (
              {formatBytes(deleting.size_bytes)}) are removed from the cache
              {deleting.node ? ` on ${deleting.node}` : ''}. Instances using them will fail to
              start.
            </p>
          }
          confirmLabel="Delete files"
          destructive
          onConfirm={async () => {
            await del.mutateAsync({ repo: deleting.repo, tag: deleting.tag, node: deleting.node });
            toast.success('Model deleted');
          }}
          onClose={() => setDeleting(null)}
        />
      )}
    </>
  );
}

function formatParams(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B params`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(0)}M params`;
  return `${n.toLocaleString()} params`;
}
