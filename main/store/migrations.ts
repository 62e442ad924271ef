/**
 * Versioned schema migrations. Each runs inside one transaction together with the bump of
 * `PRAGMA user_version`, so a crash half way leaves the previous version intact.
 * Append new migrations at the end; never edit one that has shipped.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial_schema',
    sql: `
      CREATE TABLE instances (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL DEFAULT 'stopped'
          CHECK (status IN ('stopped','running','failed','restarting','shutting_down')),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        options_json TEXT NOT NULL,
        owner_user_id TEXT NULL
      );
      CREATE INDEX idx_instances_status ON instances(status);

      CREATE TABLE api_keys (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key_hash TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        user_id TEXT NOT NULL,
        permission_mode TEXT NOT NULL DEFAULT 'per_instance'
          CHECK (permission_mode IN ('allow_all','per_instance')),
        expires_at INTEGER NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_used_at INTEGER NULL
      );
      CREATE INDEX idx_api_keys_user_id ON api_keys(user_id);
      CREATE INDEX idx_api_keys_expires_at ON api_keys(expires_at);

      CREATE TABLE key_permissions (
        key_id INTEGER NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
        instance_id INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
        PRIMARY KEY (key_id, instance_id)
      );
      CREATE INDEX idx_key_permissions_instance_id ON key_permissions(instance_id);

      -- Every child process we spawn, so that after a hard kill of the server the next start
      -- can find and stop (or adopt) leftovers before anything else.
      CREATE TABLE instance_processes (
        instance_name TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        pgid INTEGER NOT NULL,
        port INTEGER NULL,
        started_at INTEGER NOT NULL,
        command_json TEXT NOT NULL
      );

      CREATE TABLE download_jobs (
        id TEXT PRIMARY KEY,
        repo TEXT NOT NULL,
        tag TEXT NOT NULL,
        format TEXT NOT NULL,
        status TEXT NOT NULL
          CHECK (status IN ('queued','downloading','completed','failed','cancelled')),
        data_json TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        completed_at INTEGER NULL
      );
      CREATE INDEX idx_download_jobs_status ON download_jobs(status);
    `,
  },
  {
    version: 2,
    name: 'instance_process_start_time',
    // A leftover is recognised by pid + the process's start time, which an `exec` (wrapper
    // scripts of Homebrew, pyenv, conda, nix, asdf) keeps and pid reuse does not; the command
    // line changes with such an exec. NULL for rows written before this migration.
    sql: `ALTER TABLE instance_processes ADD COLUMN start_time TEXT NULL;`,
  },
  {
    version: 3,
    name: 'instance_last_error',
    // Why the last start failed ({message, at} as JSON): a `failed` status survives a server
    // restart, and so must its reason. NULL when there is none.
    sql: `ALTER TABLE instances ADD COLUMN last_error_json TEXT NULL;`,
  },
];
