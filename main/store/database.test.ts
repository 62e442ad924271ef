import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyStore } from '../auth/key-store';
import { InstanceStore } from '../instances/instance-store';
import { JobStore } from '../models/job-store';
import { closeDatabase, openDatabase, schemaVersion, type Db } from './database';
import { MIGRATIONS } from './migrations';

let dir: string;
let db: Db | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'llamactl-db-'));
});
afterEach(() => {
  if (db) closeDatabase(db);
  db = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('the database', () => {
  it('opens a database written by the old better-sqlite3 driver, with every row intact', () => {
    // fixtures/better-sqlite3-v1.db was written by better-sqlite3 12.6 with schema version 1:
    // one instance, one per-instance key granted on it, one completed download job.
    const file = join(dir, 'llamactl.db');
    copyFileSync(join(__dirname, 'fixtures', 'better-sqlite3-v1.db'), file);
    db = openDatabase(file);
    expect(schemaVersion(db)).toBe(MIGRATIONS.at(-1)!.version);
    expect(db.pragma('journal_mode')).toBe('wal');

    const { rows, broken } = new InstanceStore(db).loadAll();
    expect(broken).toEqual([]);
    expect(rows).toEqual([
      expect.objectContaining({
        name: 'qwen',
        status: 'running',
        options: expect.objectContaining({ backend_type: 'llama_cpp' }),
      }),
    ]);
    const keys = new KeyStore(db);
    const [key] = keys.all();
    expect(key).toMatchObject({ name: 'laptop', permission_mode: 'per_instance' });
    expect(keys.permissions(key!.id)).toEqual([{ instance_id: 1, instance_name: 'qwen' }]);
    expect(new JobStore(db).all()).toEqual([
      expect.objectContaining({ id: 'job-1', repo: 'org/model', status: 'completed' }),
    ]);
  });

  it('never returns the binding’s own metadata as a column', () => {
    db = openDatabase(':memory:');
    db.exec('CREATE TABLE t (a INTEGER, b TEXT)');
    db.prepare('INSERT INTO t VALUES (?, ?)').run(1, null);
    expect(Object.keys(db.prepare('SELECT * FROM t').get()!)).toEqual(['a', 'b']);
    expect(db.prepare('SELECT * FROM t WHERE b IS ?').all(null)).toEqual([{ a: 1, b: null }]);
    expect(JSON.stringify(new KeyStore(db).all())).not.toContain('_metadata');
    expect(db.prepare('INSERT INTO t VALUES (@a, @b)').run({ a: 2, b: 'x' })).toEqual({
      changes: 1,
      lastInsertRowid: 2,
    });
  });

  it('rolls back a nested transaction alone and the outer one entirely', () => {
    db = openDatabase(':memory:');
    const d = db;
    d.exec('CREATE TABLE t (a INTEGER)');
    d.transaction(() => {
      d.prepare('INSERT INTO t VALUES (1)').run();
      expect(() =>
        d.transaction(() => {
          d.prepare('INSERT INTO t VALUES (2)').run();
          throw new Error('inner');
        }),
      ).toThrow('inner');
    });
    expect(d.prepare('SELECT a FROM t').all()).toEqual([{ a: 1 }]);
    expect(() =>
      d.transaction(() => {
        d.prepare('INSERT INTO t VALUES (3)').run();
        throw new Error('outer');
      }),
    ).toThrow('outer');
    expect(d.prepare('SELECT a FROM t').all()).toEqual([{ a: 1 }]);
  });

  it('refuses a schema newer than this build and leaves the file as it was', () => {
    const file = join(dir, 'llamactl.db');
    db = openDatabase(file);
    db.exec('PRAGMA user_version = 999');
    closeDatabase(db);
    db = undefined;
    expect(() => openDatabase(file)).toThrow(/schema version 999 is newer/);
  });
});
