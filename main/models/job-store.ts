import type { DownloadFormat, DownloadJob, JobStatus } from '../../shared/api/models';
import type { Db } from '../store/database';

interface JobRow {
  id: string;
  repo: string;
  tag: string;
  format: string;
  status: string;
  data_json: string;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
}

/** The fields of a job kept in data_json (everything but the indexed columns). */
type JobData = Pick<DownloadJob, 'progress' | 'error' | 'model_path' | 'commit'>;

/** Download jobs in the `download_jobs` table; times are stored in milliseconds. */
export class JobStore {
  constructor(private readonly db: Db) {}

  insert(job: DownloadJob): void {
    this.db
      .prepare(
        `INSERT INTO download_jobs (id, repo, tag, format, status, data_json, created_at, updated_at, completed_at)
         VALUES (@id, @repo, @tag, @format, @status, @data_json, @created_at, @updated_at, @completed_at)`,
      )
      .run(toRow(job));
  }

  update(job: DownloadJob): void {
    this.db
      .prepare(
        `UPDATE download_jobs SET status=@status, data_json=@data_json, updated_at=@updated_at, completed_at=@completed_at
         WHERE id=@id`,
      )
      .run(toRow(job));
  }

  /** Oldest first, so the queue order survives a restart. */
  all(): DownloadJob[] {
    const rows = this.db
      .prepare('SELECT * FROM download_jobs ORDER BY created_at, rowid')
      .all() as JobRow[];
    return rows.map(fromRow);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM download_jobs WHERE id = ?').run(id);
  }

  /** Removes finished jobs that ended before `beforeMs`; returns their ids. */
  purgeFinished(beforeMs: number): string[] {
    const rows = this.db
      .prepare(
        `DELETE FROM download_jobs WHERE status IN ('completed','failed','cancelled') AND completed_at IS NOT NULL AND completed_at < ?
         RETURNING id`,
      )
      .all(beforeMs) as { id: string }[];
    return rows.map((r) => r.id);
  }
}

function toRow(job: DownloadJob): JobRow {
  const data: JobData = {
    progress: job.progress,
    error: job.error,
    model_path: job.model_path,
    commit: job.commit,
  };
  return {
    id: job.id,
    repo: job.repo,
    tag: job.tag,
    format: job.format,
    status: job.status,
    data_json: JSON.stringify(data),
    created_at: job.created_at * 1000,
    updated_at: Date.now(),
    completed_at: job.completed_at !== undefined ? job.completed_at * 1000 : null,
  };
}

function fromRow(row: JobRow): DownloadJob {
  const data = JSON.parse(row.data_json) as JobData;
  const job: DownloadJob = {
    id: row.id,
    repo: row.repo,
    tag: row.tag,
    format: row.format as DownloadFormat,
    status: row.status as JobStatus,
    progress: data.progress,
    created_at: Math.floor(row.created_at / 1000),
  };
  if (data.error) job.error = data.error;
  if (row.completed_at !== null) job.completed_at = Math.floor(row.completed_at / 1000);
  if (data.model_path) job.model_path = data.model_path;
  if (data.commit) job.commit = data.commit;
  return job;
}
