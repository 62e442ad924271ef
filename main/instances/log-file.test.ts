import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InstanceLog, readLog, tailLines, type LogRotation } from './log-file';

let dir: string;
const rotation = (o: Partial<LogRotation>): LogRotation => ({
  enabled: true,
  maxSizeMb: 100,
  compress: false,
  maxBackups: 5,
  ...o,
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'llamactl-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('InstanceLog', () => {
  it('appends runs framed by start and stop markers across reopenings', () => {
    const a = new InstanceLog(dir, 'm', rotation({}));
    a.writeStartMarker();
    a.write('first run\n');
    a.writeStopMarker('exited with code 1');
    a.close();
    const b = new InstanceLog(dir, 'm', rotation({}));
    b.writeStartMarker();
    b.write('second run\n');
    b.close();
    const text = readFileSync(join(dir, 'm.log'), 'utf8');
    expect(
      text.match(/=== Instance m started at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d ===/g),
    ).toHaveLength(2);
    expect(text).toMatch(/first run\n=== Instance m stopped at .* \(exited with code 1\) ===\n/);
    expect(text.indexOf('first run')).toBeLessThan(text.indexOf('second run'));
  });

  it('writes the command line under the start marker with credential values redacted', () => {
    const log = new InstanceLog(dir, 'c', rotation({}));
    log.writeStartMarker(['llama-server', '--api-key', 'sk-live-1', '-e', 'HF_TOKEN=hf_x']);
    log.close();
    const text = readFileSync(join(dir, 'c.log'), 'utf8');
    expect(text).toMatch(
      /=== Instance c started at .* ===\ncommand: llama-server --api-key \[redacted\] -e HF_TOKEN=\[redacted\]\n/,
    );
    expect(text).not.toContain('sk-live-1');
    expect(text).not.toContain('hf_x');
  });

  it('rotates at the size limit into a per-instance backups folder', () => {
    const log = new InstanceLog(dir, 'r', rotation({ maxSizeMb: 1 }));
    const line = 'x'.repeat(1023) + '\n';
    for (let i = 0; i < 2600; i++) log.write(line);
    log.close();
    expect(readdirSync(dir).sort()).toEqual(['backups', 'r.log']);
    const backups = readdirSync(join(dir, 'backups', 'r'));
    expect(backups.length).toBe(2);
    for (const f of backups) {
      expect(f).toMatch(/^r-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}(-\d+)?\.log$/);
      expect(readFileSync(join(dir, 'backups', 'r', f)).length).toBeLessThanOrEqual(1024 * 1024);
    }
  });

  it('keeps at most log_rotation_max_backups backups, deleting the oldest', () => {
    const log = new InstanceLog(dir, 'k', rotation({ maxSizeMb: 1, maxBackups: 2 }));
    // each write fills most of a file, so every write after the first rotates
    for (let i = 0; i < 6; i++)
      log.write(Buffer.concat([Buffer.from(`run ${i}\n`), Buffer.alloc(1024 * 1024 - 100, 'k')]));
    log.close();
    const folder = join(dir, 'backups', 'k');
    const backups = readdirSync(folder).sort();
    expect(backups).toHaveLength(2);
    // the newest two survive: runs 3 and 4 (run 5 is in the current file)
    expect(readFileSync(join(folder, backups[0]!), 'utf8')).toMatch(/^run 3\n/);
    expect(readFileSync(join(folder, backups[1]!), 'utf8')).toMatch(/^run 4\n/);
    expect(readFileSync(join(dir, 'k.log'), 'utf8')).toMatch(/^run 5\n/);
  });

  it('never shares a file with an instance named like its backup', () => {
    const a = new InstanceLog(dir, 'a', rotation({ maxSizeMb: 1 }));
    a.write(Buffer.alloc(1024 * 1024 - 10, 'a'));
    a.write('after rotation\n');
    a.close();
    const [backup] = readdirSync(join(dir, 'backups', 'a'));
    const twin = new InstanceLog(dir, backup!.replace(/\.log$/, ''), rotation({}));
    twin.write('twin line\n');
    twin.close();
    expect(readFileSync(join(dir, 'backups', 'a', backup!), 'utf8')).not.toContain('twin line');
  });

  it('gzips rotated files when log_rotation_compress is on', async () => {
    const log = new InstanceLog(dir, 'z', rotation({ maxSizeMb: 1, compress: true }));
    const line = 'y'.repeat(1023) + '\n';
    for (let i = 0; i < 1100; i++) log.write(line);
    log.close();
    const folder = join(dir, 'backups', 'z');
    await expect
      .poll(() => readdirSync(folder).filter((f) => f.endsWith('.log.gz')).length)
      .toBe(1);
    await expect.poll(() => readdirSync(folder).filter((f) => f.endsWith('.log')).length).toBe(0);
    const gz = readdirSync(folder).find((f) => f.endsWith('.gz'))!;
    expect(gunzipSync(readFileSync(join(folder, gz))).length).toBeGreaterThan(1000 * 1024);
  });

  it('does not rotate when rotation is disabled', () => {
    const log = new InstanceLog(dir, 'n', rotation({ enabled: false, maxSizeMb: 1 }));
    const line = 'x'.repeat(1023) + '\n';
    for (let i = 0; i < 1100; i++) log.write(line);
    log.close();
    expect(readdirSync(dir)).toEqual(['n.log']);
  });
});

describe('reading logs', () => {
  it('returns the last N lines joined by newlines without a trailing one', async () => {
    const p = join(dir, 't.log');
    writeFileSync(p, 'a\nb\nc\nd\n');
    expect(tailLines(p, 2)).toBe('c\nd');
    expect(tailLines(p, 10)).toBe('a\nb\nc\nd');
    expect(await readLog(p)).toBe('a\nb\nc\nd\n');
    expect(await readLog(p, 0)).toBe('a\nb\nc\nd\n');
    expect(await readLog(join(dir, 'missing.log'), 3)).toBe('');
  });

  it('finds the tail of a file larger than one read block', () => {
    const p = join(dir, 'big.log');
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i}`);
    writeFileSync(p, lines.join('\n') + '\n');
    expect(tailLines(p, 3)).toBe('line 19997\nline 19998\nline 19999');
    expect(tailLines(p, 15_000).split('\n')).toHaveLength(15_000);
  });
});
