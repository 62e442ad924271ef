import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processStartTime } from '../process-info';
import {
  acquireDataDirLock,
  DataDirLockedError,
  LOCK_FILE,
  readDataDirLock,
  type DataDirLock,
} from './data-dir-lock';

let dir: string;
const held: DataDirLock[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'llamactl-lock-'));
});
afterEach(() => {
  for (const l of held.splice(0)) l.release();
  rmSync(dir, { recursive: true, force: true });
});

function take(): DataDirLock {
  const lock = acquireDataDirLock(dir);
  held.push(lock);
  return lock;
}

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(r.stdout);
}

describe('the data folder lock', () => {
  it('is exclusive: a second taker learns the holder’s pid and URL', () => {
    const lock = take();
    lock.setUrl('http://127.0.0.1:8080');
    expect(statSync(lock.file).mode & 0o777).toBe(0o600);
    let caught: unknown;
    try {
      acquireDataDirLock(dir);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DataDirLockedError);
    expect((caught as DataDirLockedError).holder).toMatchObject({
      pid: process.pid,
      url: 'http://127.0.0.1:8080',
    });
    expect((caught as Error).message).toContain(dir);
    expect(readDataDirLock(dir)?.pid).toBe(process.pid);
  });

  it('is free again after release, and release leaves another holder’s file alone', () => {
    const lock = take();
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const again = take();
    lock.release(); // a second release of the old handle must not remove the new lock
    expect(existsSync(again.file)).toBe(true);
  });

  it('takes over the lock of a process that is gone', () => {
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: deadPid(), started: null, url: 'http://127.0.0.1:1' }),
    );
    take();
    expect(readDataDirLock(dir)?.pid).toBe(process.pid);
  });

  it('takes over a lock whose pid now belongs to another process (a reused pid)', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await vi.waitFor(() => expect(processStartTime(other.pid!)).not.toBeNull());
      writeFileSync(
        join(dir, LOCK_FILE),
        JSON.stringify({ pid: other.pid, started: 'not-its-start-time', url: null }),
      );
      take();
      expect(readDataDirLock(dir)?.pid).toBe(process.pid);

      // The same live process with its real start time is a holder.
      held.splice(0).forEach((l) => l.release());
      writeFileSync(
        join(dir, LOCK_FILE),
        JSON.stringify({ pid: other.pid, started: processStartTime(other.pid!), url: null }),
      );
      expect(() => acquireDataDirLock(dir)).toThrow(DataDirLockedError);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('takes over a lock file it cannot read (half written or foreign)', () => {
    writeFileSync(join(dir, LOCK_FILE), '{"pid": 12');
    take();
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
  });
});
