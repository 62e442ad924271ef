import type { InstanceOptions, InstanceStatus } from '../../shared/api/instances';
import { INSTANCE_STATUSES } from '../../shared/api/instances';
import type { Db } from '../store/database';

export interface RemoteRow {
  id: number;
  name: string;
  status: InstanceStatus;
  created: number;
  options: InstanceOptions;
}

const nowSec = () => Math.floor(Date.now() / 1000);

/**
 * Remote instances are rows of the local `instances` table (options with `nodes: [node]`), so
 * they get a local id: per-instance API key permissions (key_permissions references
 * instances.id) work for them as for local ones, and a name is unique across both kinds.
 * The instance manager skips these rows; this store is their only writer.
 */
export class RemoteStore {
  constructor(private readonly db: Db) {}

  loadAll(isRemote: (options: InstanceOptions) => boolean): RemoteRow[] {
    const raw = this.db
      .prepare('SELECT id, name, status, created_at, options_json FROM instances ORDER BY id')
      .all() as {
      id: number;
      name: string;
      status: string;
      created_at: number;
      options_json: string;
    }[];
    const out: RemoteRow[] = [];
    for (const r of raw) {
      let options: InstanceOptions;
      try {
        options = JSON.parse(r.options_json) as InstanceOptions;
      } catch {
        continue; // the instance manager reports undecodable rows
      }
      if (!isRemote(options)) continue;
      const status = (INSTANCE_STATUSES as readonly string[]).includes(r.status)
        ? (r.status as InstanceStatus)
        : 'stopped';
      out.push({ id: r.id, name: r.name, status, created: r.created_at, options });
    }
    return out;
  }

  /** Throws SQLite's UNIQUE error when the name is taken (also by a local instance). */
  insert(name: string, options: InstanceOptions, created: number): number {
    const info = this.db
      .prepare(
        "INSERT INTO instances (name, status, created_at, updated_at, options_json) VALUES (?, 'stopped', ?, ?, ?)",
      )
      .run(name, created, nowSec(), JSON.stringify(options));
    return Number(info.lastInsertRowid);
  }

  save(name: string, status: InstanceStatus, created: number, options: InstanceOptions): void {
    this.db
      .prepare(
        'UPDATE instances SET status = ?, created_at = ?, options_json = ?, updated_at = ? WHERE name = ?',
      )
      .run(status, created, JSON.stringify(options), nowSec(), name);
  }

  delete(name: string): void {
    this.db.prepare('DELETE FROM instances WHERE name = ?').run(name);
  }
}
