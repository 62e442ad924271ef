import Libsql from 'libsql';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS, type Migration } from './migrations';

/**
 * SQLite through libsql's synchronous binding. It is a Node-API addon (napi-rs/neon), so the one
 * binary that npm installs loads in plain Node and in Electron's main process alike; a
 * better-sqlite3 build is tied to one Node ABI and failed in Electron ("compiled against a
 * different Node.js version"). See docs/architecture.md.
 *
 * The binding is wrapped rather than used directly because its better-sqlite3 look-alike API
 * differs where it matters to us:
 * - `get()` rows carry an extra `_metadata` key (timing), which must never reach an API response;
 * - `run()` results carry `duration`;
 * - `pragma(x, { simple: true })` answers the whole row, not the value;
 * - a single `null` argument is taken for a named-parameter object;
 * - `transaction()` issues a plain BEGIN, so nesting one in another fails.
 * The wrapper exposes only what the stores use, with the semantics they expect.
 */
export type SqlValue = string | number | bigint | Buffer | null;
/** Positional values, or one object of named values (`@name` in the SQL). */
export type Params = SqlValue[] | [object];
type Row = Record<string, unknown>;

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

type NativeParams = SqlValue[] | Record<string, SqlValue>;

/** One array or one object, never spread: the binding reads a lone `null` as named values. */
function nativeParams(params: Params): NativeParams {
  const [first] = params;
  return params.length === 1 &&
    first !== null &&
    typeof first === 'object' &&
    !Buffer.isBuffer(first)
    ? (first as Record<string, SqlValue>)
    : (params as SqlValue[]);
}

function withoutMetadata<T>(row: Row): T {
  if (!('_metadata' in row)) return row as T;
  // The binding's own timing data, never part of the row.
  const { _metadata: _, ...rest } = row;
  return rest as T;
}

interface NativeStatement {
  run(params: NativeParams): { changes: number; lastInsertRowid: number | bigint };
  get(params: NativeParams): Row | undefined;
  all(params: NativeParams): Row[];
  raw(on?: boolean): NativeStatement;
}

interface NativeDatabase {
  prepare(sql: string): NativeStatement;
  exec(sql: string): void;
  close(): void;
  open: boolean;
}

export class Statement {
  constructor(private readonly native: NativeStatement) {}

  run(...params: Params): RunResult {
    const r = this.native.run(nativeParams(params));
    return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
  }

  /** The first row, or undefined. The type parameter is the caller's promise about the SQL. */
  get<T = Row>(...params: Params): T | undefined {
    const row = this.native.get(nativeParams(params));
    return row === undefined || row === null ? undefined : withoutMetadata<T>(row);
  }

  all<T = Row>(...params: Params): T[] {
    return this.native.all(nativeParams(params)).map((row) => withoutMetadata<T>(row));
  }
}

export class Db {
  private readonly native: NativeDatabase;
  private depth = 0;
  private savepoints = 0;

  constructor(readonly path: string) {
    this.native = new (Libsql as unknown as new (path: string) => NativeDatabase)(path);
  }

  get open(): boolean {
    return this.native.open;
  }

  prepare(sql: string): Statement {
    return new Statement(this.native.prepare(sql));
  }

  exec(sql: string): void {
    this.native.exec(sql);
  }

  /** The first column of the first row of `PRAGMA <source>` (e.g. `user_version`). */
  pragma(source: string): unknown {
    const row = this.native.prepare(`PRAGMA ${source}`).raw(true).get([]) as unknown;
    return Array.isArray(row) ? row[0] : undefined;
  }

  /**
   * Runs `fn` atomically: BEGIN/COMMIT at the outermost level, a SAVEPOINT when nested, rolled
   * back on a throw.
   */
  transaction<T>(fn: () => T): T {
    if (this.depth === 0) {
      this.native.exec('BEGIN');
      this.depth++;
      try {
        const out = fn();
        this.native.exec('COMMIT');
        return out;
      } catch (err) {
        this.native.exec('ROLLBACK');
        throw err;
      } finally {
        this.depth--;
      }
    }
    const name = `sp${++this.savepoints}`;
    this.native.exec(`SAVEPOINT ${name}`);
    this.depth++;
    try {
      const out = fn();
      this.native.exec(`RELEASE ${name}`);
      return out;
    } catch (err) {
      this.native.exec(`ROLLBACK TO ${name}`);
      this.native.exec(`RELEASE ${name}`);
      throw err;
    } finally {
      this.depth--;
    }
  }

  close(): void {
    if (this.native.open) this.native.close();
  }
}

/**
 * Opens (creating if needed) the SQLite database with WAL, a busy timeout and foreign keys, and
 * brings its schema up to date. Use ':memory:' for an in-memory store in tests.
 */
export function openDatabase(path: string, migrations: Migration[] = MIGRATIONS): Db {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // The database holds backend api_key values and environment tokens. SQLite creates the
    // -wal and -shm files with the database file's mode, so a private file keeps them private.
    closeSync(openSync(path, 'a', 0o600));
  }
  const db = new Db(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.exec('PRAGMA foreign_keys = ON');
    migrate(db, migrations);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

export function schemaVersion(db: Db): number {
  return Number(db.pragma('user_version'));
}

/** Applies pending migrations, each atomically with its version bump. */
export function migrate(db: Db, migrations: Migration[] = MIGRATIONS): void {
  const current = schemaVersion(db);
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  if (current > latest) {
    throw new Error(
      `database schema version ${current} is newer than this build knows (${latest}); use a newer version of the app`,
    );
  }
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.exec(`PRAGMA user_version = ${m.version}`);
    });
  }
}

export function closeDatabase(db: Db): void {
  if (!db.open) return;
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}
