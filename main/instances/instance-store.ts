import type { InstanceError, InstanceOptions, InstanceStatus } from '../../shared/api/instances';
import { INSTANCE_STATUSES } from '../../shared/api/instances';
import type { Db } from '../store/database';

export interface InstanceRow {
  id: number;
  name: string;
  status: InstanceStatus;
  created: number;
  options: InstanceOptions;
  lastError: InstanceError | null;
}

export interface ProcessRow {
  instance_name: string;
  pid: number;
  pgid: number;
  port: number | null;
  started_at: number;
  command: string[];
  /** the OS's start time of the process (see processStartTime); null when it was not readable */
  start_time: string | null;
}

const nowSec = () => Math.floor(Date.now() / 1000);

/** An unreadable stored reason is dropped: it explains a status, it is not worth a broken row. */
function decodeError(json: string | null): InstanceError | null {
  if (!json) return null;
  try {
    const e = JSON.parse(json) as Partial<InstanceError>;
    return typeof e.message === 'string' && typeof e.at === 'number'
      ? { message: e.message, at: e.at }
      : null;
  } catch {
    return null;
  }
}

/** SQLite rows of the `instances` and `instance_processes` tables. */
export class InstanceStore {
  constructor(private readonly db: Db) {}

  /** Rows that fail to decode are returned in `broken` instead of aborting the boot. */
  loadAll(): { rows: InstanceRow[]; broken: { name: string; error: string }[] } {
    const raw = this.db
      .prepare(
        'SELECT id, name, status, created_at, options_json, last_error_json FROM instances ORDER BY created_at, id',
      )
      .all() as {
      id: number;
      name: string;
      status: string;
      created_at: number;
      options_json: string;
      last_error_json: string | null;
    }[];
    const rows: InstanceRow[] = [];
    const broken: { name: string; error: string }[] = [];
    for (const r of raw) {
      try {
        const options = JSON.parse(r.options_json) as InstanceOptions;
        const status = (INSTANCE_STATUSES as readonly string[]).includes(r.status)
          ? (r.status as InstanceStatus)
          : 'stopped';
        rows.push({
          id: r.id,
          name: r.name,
          status,
          created: r.created_at,
          options,
          lastError: decodeError(r.last_error_json),
        });
      } catch (err) {
        broken.push({ name: r.name, error: String(err) });
      }
    }
    return { rows, broken };
  }

  insert(name: string, options: InstanceOptions, created: number): number {
    const info = this.db
      .prepare(
        "INSERT INTO instances (name, status, created_at, updated_at, options_json) VALUES (?, 'stopped', ?, ?, ?)",
      )
      .run(name, created, nowSec(), JSON.stringify(options));
    return Number(info.lastInsertRowid);
  }

  updateOptions(name: string, options: InstanceOptions): void {
    this.db
      .prepare('UPDATE instances SET options_json = ?, updated_at = ? WHERE name = ?')
      .run(JSON.stringify(options), nowSec(), name);
  }

  updateStatus(name: string, status: InstanceStatus): void {
    this.db
      .prepare('UPDATE instances SET status = ?, updated_at = ? WHERE name = ?')
      .run(status, nowSec(), name);
  }

  updateLastError(name: string, error: InstanceError | null): void {
    this.db
      .prepare('UPDATE instances SET last_error_json = ?, updated_at = ? WHERE name = ?')
      .run(error ? JSON.stringify(error) : null, nowSec(), name);
  }

  delete(name: string): void {
    this.db.prepare('DELETE FROM instances WHERE name = ?').run(name);
  }

  recordProcess(p: ProcessRow): void {
    this.db
      .prepare(
        `INSERT INTO instance_processes (instance_name, pid, pgid, port, started_at, command_json, start_time)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(instance_name) DO UPDATE SET pid = excluded.pid, pgid = excluded.pgid, port = excluded.port,
           started_at = excluded.started_at, command_json = excluded.command_json, start_time = excluded.start_time`,
      )
      .run(
        p.instance_name,
        p.pid,
        p.pgid,
        p.port,
        p.started_at,
        JSON.stringify(p.command),
        p.start_time,
      );
  }

  /** Forgets the process only if the row still describes that pid (a newer run may have replaced it). */
  forgetProcess(name: string, pid: number): void {
    this.db
      .prepare('DELETE FROM instance_processes WHERE instance_name = ? AND pid = ?')
      .run(name, pid);
  }

  processes(): ProcessRow[] {
    const raw = this.db.prepare('SELECT * FROM instance_processes').all() as (Omit<
      ProcessRow,
      'command'
    > & {
      command_json: string;
    })[];
    return raw.map((r) => {
      let command: string[] = [];
      try {
        command = JSON.parse(r.command_json) as string[];
      } catch {
        // an unreadable row still names a pid worth checking
      }
      return {
        instance_name: r.instance_name,
        pid: r.pid,
        pgid: r.pgid,
        port: r.port,
        started_at: r.started_at,
        command,
        start_time: r.start_time ?? null,
      };
    });
  }

  clearProcess(name: string): void {
    this.db.prepare('DELETE FROM instance_processes WHERE instance_name = ?').run(name);
  }
}
