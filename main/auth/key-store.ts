import type { ApiKey, KeyPermission, PermissionMode } from '../../shared/api/keys';
import type { Db } from '../store/database';

/** llamactl has no users yet; every key belongs to "system". */
export const SYSTEM_USER = 'system';

export interface KeyRow extends ApiKey {
  key_hash: string;
}

export interface NewKey {
  name: string;
  keyHash: string;
  permissionMode: PermissionMode;
  expiresAt: number | null;
  instanceIds: number[];
  now: number;
}

/** The `api_keys` and `key_permissions` tables. Plain keys never reach this module. */
export class KeyStore {
  constructor(private readonly db: Db) {}

  all(): KeyRow[] {
    return this.db
      .prepare(
        `SELECT id, key_hash, name, user_id, permission_mode, expires_at, created_at, updated_at, last_used_at
         FROM api_keys WHERE user_id = ? ORDER BY created_at DESC, id DESC`,
      )
      .all(SYSTEM_USER) as KeyRow[];
  }

  get(id: number): KeyRow | undefined {
    return this.db
      .prepare(
        `SELECT id, key_hash, name, user_id, permission_mode, expires_at, created_at, updated_at, last_used_at
         FROM api_keys WHERE id = ? AND user_id = ?`,
      )
      .get(id, SYSTEM_USER) as KeyRow | undefined;
  }

  /** Inserts the key and its grants in one transaction. */
  insert(k: NewKey): KeyRow {
    return this.db.transaction(() => {
      const info = this.db
        .prepare(
          `INSERT INTO api_keys (key_hash, name, user_id, permission_mode, expires_at, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(k.keyHash, k.name, SYSTEM_USER, k.permissionMode, k.expiresAt, k.now, k.now);
      const id = Number(info.lastInsertRowid);
      const grant = this.db.prepare(
        'INSERT OR IGNORE INTO key_permissions (key_id, instance_id) VALUES (?, ?)',
      );
      for (const instanceId of k.instanceIds) grant.run(id, instanceId);
      return this.get(id)!;
    });
  }

  /** Removes the key; grants go with it (ON DELETE CASCADE). */
  delete(id: number): boolean {
    return (
      this.db.prepare('DELETE FROM api_keys WHERE id = ? AND user_id = ?').run(id, SYSTEM_USER)
        .changes > 0
    );
  }

  permissions(keyId: number): KeyPermission[] {
    return this.db
      .prepare(
        `SELECT kp.instance_id AS instance_id, COALESCE(i.name, '') AS instance_name
         FROM key_permissions kp LEFT JOIN instances i ON i.id = kp.instance_id
         WHERE kp.key_id = ? ORDER BY kp.instance_id`,
      )
      .all(keyId) as KeyPermission[];
  }

  /** Every grant, for building the in-memory cache at start. */
  allGrants(): Array<{ key_id: number; instance_id: number }> {
    return this.db.prepare('SELECT key_id, instance_id FROM key_permissions').all() as Array<{
      key_id: number;
      instance_id: number;
    }>;
  }

  /** Ids among `ids` that exist in `instances` (in chunks: SQLite caps bound parameters). */
  existingInstanceIds(ids: number[]): Set<number> {
    const found = new Set<number>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = this.db
        .prepare(`SELECT id FROM instances WHERE id IN (${chunk.map(() => '?').join(',')})`)
        .all(...chunk) as Array<{ id: number }>;
      for (const r of rows) found.add(r.id);
    }
    return found;
  }

  touch(id: number, now: number): void {
    this.db
      .prepare('UPDATE api_keys SET last_used_at = ?, updated_at = ? WHERE id = ?')
      .run(now, now, id);
  }
}
