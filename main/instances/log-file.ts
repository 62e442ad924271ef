import { EventEmitter } from 'node:events';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { redactArgv } from '../backends/redact-argv';

export interface LogRotation {
  enabled: boolean;
  /** megabytes */
  maxSizeMb: number;
  compress: boolean;
  /** backups kept per instance; the oldest beyond this are deleted */
  maxBackups: number;
}

/** argv as one readable line: plain words as they are, others in single quotes. */
const quoteArgv = (argv: string[]): string =>
  argv.map((w) => (/^[\w\-.,/:=@%+[\]]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');

/** `YYYY-MM-DD HH:MM:SS` in local time, as llamactl's markers. */
export function markerTime(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function backupStamp(d = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** `<name>-<stamp>[-<n>].log[.gz]`: the stamp and its same-millisecond counter, for ordering. */
const BACKUP_RE = /-(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3})(?:-(\d+))?\.log(?:\.gz)?$/;

function backupKey(file: string): [string, number] | null {
  const m = BACKUP_RE.exec(file);
  return m ? [m[1]!, Number(m[2] ?? 0)] : null;
}

/** Where rotated files of one instance go: its own folder, so no name can meet another's file. */
export function backupsDir(logsDir: string, name: string): string {
  return join(logsDir, 'backups', name);
}

/**
 * One instance's log file `<logs_dir>/<name>.log`, appended across runs (each run framed by start
 * and stop markers) so a crash loop can be read afterwards, also after a server restart. Writes
 * are synchronous: they are small, keep stdout/stderr order, and make rotation exact.
 * Unlike llamactl, `log_rotation_enabled: false` really disables rotation, and backups live in
 * `<logs_dir>/backups/<name>/`, at most `maxBackups` of them (llamactl keeps every one next to
 * the logs, where an instance named like another's backup would append to it).
 */
export class InstanceLog {
  private fd: number | null = null;
  private size = 0;
  /** live output for the log stream endpoint */
  readonly output = new EventEmitter();

  constructor(
    private readonly dir: string,
    readonly name: string,
    private readonly rotation: LogRotation,
  ) {
    this.output.setMaxListeners(0);
  }

  get path(): string {
    return join(this.dir, `${this.name}.log`);
  }

  private open(): number {
    if (this.fd === null) {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      // private: a backend may print credentials (its own argv, tokens) into its log
      this.fd = openSync(this.path, 'a', 0o600);
      this.size = fstatSync(this.fd).size;
    }
    return this.fd;
  }

  /** The last write error (disk full, folder gone); output keeps flowing to live listeners. */
  lastError: Error | null = null;

  /**
   * Never throws: it runs inside the child's stdout/stderr handlers, where an exception would
   * take the whole server down. Use `check()` where a failure should be reported.
   */
  write(chunk: Buffer | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (buf.length === 0) return;
    try {
      const maxBytes = this.rotation.maxSizeMb * 1024 * 1024;
      let fd = this.open();
      if (this.rotation.enabled && this.size > 0 && this.size + buf.length > maxBytes) {
        this.rotate();
        fd = this.open();
      }
      writeSync(fd, buf);
      this.size += buf.length;
      this.lastError = null;
    } catch (err) {
      this.lastError = err as Error;
      this.close();
    }
    this.output.emit('data', buf.toString('utf8'));
  }

  /** Throws if the log file cannot be opened for appending. */
  check(): void {
    this.open();
  }

  /**
   * llamactl's marker line, then the command line when given, with credential values redacted
   * (the log is readable by every management client and often shared in bug reports).
   */
  writeStartMarker(argv?: readonly string[]): void {
    const command = argv ? `command: ${quoteArgv(redactArgv(argv))}\n` : '';
    this.write(`\n=== Instance ${this.name} started at ${markerTime()} ===\n${command}`);
  }

  writeStopMarker(detail?: string): void {
    this.write(
      `=== Instance ${this.name} stopped at ${markerTime()}${detail ? ` (${detail})` : ''} ===\n\n`,
    );
  }

  private rotate(): void {
    this.close();
    const folder = backupsDir(this.dir, this.name);
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const stamp = backupStamp();
    let backup = join(folder, `${this.name}-${stamp}.log`);
    for (let n = 1; existsSync(backup) || existsSync(backup + '.gz'); n++)
      backup = join(folder, `${this.name}-${stamp}-${n}.log`);
    renameSync(this.path, backup);
    this.prune(folder);
    if (this.rotation.compress) {
      void pipeline(
        createReadStream(backup),
        createGzip(),
        createWriteStream(backup + '.gz', { mode: 0o600 }),
      )
        .then(() => unlinkSync(backup))
        .catch(() => {
          // an uncompressed backup is still a backup
        });
    }
  }

  /** Deletes the oldest backups beyond `maxBackups` (a backup being gzipped counts once). */
  private prune(folder: string): void {
    const byKey = new Map<string, { key: [string, number]; files: string[] }>();
    for (const f of readdirSync(folder)) {
      const key = backupKey(f);
      if (!key) continue;
      const id = key.join('/');
      const entry = byKey.get(id) ?? { key, files: [] };
      entry.files.push(f);
      byKey.set(id, entry);
    }
    const oldestFirst = [...byKey.values()].sort((a, b) =>
      a.key[0] === b.key[0] ? a.key[1] - b.key[1] : a.key[0] < b.key[0] ? -1 : 1,
    );
    const excess = oldestFirst.length - Math.max(0, this.rotation.maxBackups);
    for (const { files } of oldestFirst.slice(0, Math.max(0, excess)))
      for (const f of files) rmSync(join(folder, f), { force: true });
  }

  close(): void {
    if (this.fd !== null) {
      const fd = this.fd;
      this.fd = null;
      try {
        closeSync(fd);
      } catch {
        // already closed or the file system went away; nothing left to release
      }
    }
  }
}

/** The whole file (when `lines` is absent or <= 0) or its last `lines` lines joined by `\n`. */
export async function readLog(path: string, lines?: number): Promise<string> {
  if (!existsSync(path)) return '';
  if (lines === undefined || lines <= 0) return readFile(path, 'utf8');
  return tailLines(path, lines);
}

/** Reads backwards in blocks so a large log costs only what is returned. */
export function tailLines(path: string, n: number): string {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const block = 64 * 1024;
    let pos = size;
    let chunks: Buffer[] = [];
    let newlines = 0;
    while (pos > 0 && newlines <= n) {
      const len = Math.min(block, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, pos);
      chunks = [buf, ...chunks];
      for (const b of buf) if (b === 10) newlines++;
    }
    let text = Buffer.concat(chunks).toString('utf8');
    if (text.endsWith('\n')) text = text.slice(0, -1);
    const all = text.split('\n');
    return all.slice(Math.max(0, all.length - n)).join('\n');
  } finally {
    closeSync(fd);
  }
}
