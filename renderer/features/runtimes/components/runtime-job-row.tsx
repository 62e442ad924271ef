import type { DownloadJob } from '../../../../shared/api/models';
import type { RuntimeInstallPhase, RuntimeJob } from '../../../../shared/api/runtimes';
import { Badge } from '../../../components/badge';
import { Icon } from '../../../components/icon';
import { ProgressBar } from '../../../components/progress-bar';
import { toast } from '../../../components/toasts';
import { formatBytes } from '../../../lib/format';
import { useDeleteJob } from '../../models/mutations';
import { useDismissedJobs } from '../../models/ui-store';

const PHASES: Record<RuntimeInstallPhase, string> = {
  download: 'Downloading',
  verify: 'Checking the digest',
  unpack: 'Unpacking',
  check: 'Running --version',
  done: 'Installed',
};

/** One llama.cpp install job, kept current by `job` events like a model download. */
export function RuntimeJobRow({ job }: { job: RuntimeJob }) {
  const del = useDeleteJob();
  const dismiss = useDismissedJobs((s) => s.dismiss);
  const active = job.status === 'queued' || job.status === 'downloading';
  const p = job.progress;
  const pct =
    job.status === 'completed'
      ? 100
      : p.total_bytes > 0 && job.phase === 'download'
        ? (p.bytes_downloaded / p.total_bytes) * 100
        : null;
  const label = `llama.cpp ${job.tag}`;
  return (
    <li className="job" data-job={job.id}>
      <div className="job-head">
        <div className="job-title">
          <strong>{label}</strong>
          <span className="tag-chip">{job.variant}</span>
          <Badge
            tone={
              job.status === 'completed'
                ? 'success'
                : job.status === 'failed'
                  ? 'danger'
                  : job.status === 'cancelled'
                    ? 'neutral'
                    : 'info'
            }
            dot
            pulse={active}
          >
            {job.status === 'failed'
              ? 'Failed'
              : job.status === 'cancelled'
                ? 'Cancelled'
                : job.status === 'queued'
                  ? 'Queued'
                  : PHASES[job.phase]}
          </Badge>
        </div>
        <div className="row-actions">
          {active ? (
            <button
              type="button"
              className="btn btn-secondary btn-sm"
              aria-label={`Cancel install of ${label}`}
              onClick={() =>
                del.mutate(job as unknown as DownloadJob, {
                  onError: (e) => toast.error('Cancel failed', e),
                })
              }
            >
              <Icon name="x" size={14} />
              Cancel
            </button>
          ) : (
            <button
              type="button"
              className="btn btn-ghost btn-icon"
              aria-label={`Dismiss ${label}`}
              title="Dismiss"
              onClick={() => dismiss(job.id)}
            >
              <Icon name="x" size={14} />
            </button>
          )}
        </div>
      </div>
      {job.status !== 'failed' && (
        <ProgressBar
          value={job.status === 'queued' ? null : pct}
          tone={job.status === 'completed' ? 'success' : undefined}
          label={`Install progress of ${label}`}
        />
      )}
      <div className="job-meta small">
        {job.status === 'failed' ? (
          <span className="text-danger">{job.error || 'Install failed'}</span>
        ) : (
          <>
            <span className="mono truncate">{job.asset}</span>
            {p.total_bytes > 0 && (
              <span>
                {formatBytes(p.bytes_downloaded)} of {formatBytes(p.total_bytes)}
              </span>
            )}
            {job.path && (
              <span className="mono truncate" title={job.path}>
                {job.path}
              </span>
            )}
          </>
        )}
      </div>
    </li>
  );
}
