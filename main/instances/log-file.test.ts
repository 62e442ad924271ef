import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InstanceLog, readLog, tailLines } from './log-file';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'llamactl-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('InstanceLog', () => {
  it('appends runs framed by start and stop markers across reopenings', () => {
    const a = new InstanceLog(dir, 'm', { enabled: true, maxSizeMb: 100, compress: false });
    a.writeStartMarker();
    a.write('first run\n');
    a.writeStopMarker('exited with code 1');
    a.close();
    const b = new InstanceLog(dir, 'm', { enabled: true, maxSizeMb: 100, compress: false });
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
    const log = new InstanceLog(dir, 'c', { enabled: true, maxSizeMb: 100, compress: false });
    log.writeStartMarker(['llama-server', '--api-key', 'sk-live-1', '-e', 'HF_TOKEN=hf_x']);
    log.close();
    const text = readFileSync(join(dir, 'c.log'), 'utf8');
    expect(text).toMatch(
      /=== Instance c started at .* ===\ncommand: llama-server --api-key \[redacted\] -e HF_TOKEN=\[redacted\]\n/,
    );
    expect(text).not.toContain('sk-live-1');
    expect(text).not.toContain('hf_x');
  });

  it('rotates at the size limit and keeps every earlier file', () => {
    const log = new InstanceLog(dir, 'r', { enabled: true, maxSizeMb: 1, compress: false });
    const line = 'x'.repeat(1023) + '\n';
    for (let i = 0; i < 2600; i++) log.write(line);
    log.close();
    const files = readdirSync(dir).sort();
    expect(
      files.filter((f) => /^r-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log$/.test(f)).length,
    ).toBeGreaterThanOrEqual(1);
    expect(files).toContain('r.log');
    for (const f of files)
      expect(readFileSync(join(dir, f)).length).toBeLessThanOrEqual(1024 * 1024);
  });

  it('gzips rotated files when log_rotation_compress is on', async () => {
    const log = new InstanceLog(dir, 'z', { enabled: true, maxSizeMb: 1, compress: true });
    const line = 'y'.repeat(1023) + '\n';
    for (let i = 0; i < 1100; i++) log.write(line);
    log.close();
    await expect.poll(() => readdirSync(dir).filter((f) => f.endsWith('.log.gz')).length).toBe(1);
    await expect.poll(() => readdirSync(dir).filter((f) => /^z-.*\.log$/.test(f)).length).toBe(0);
    const gz = readdirSync(dir).find((f) => f.endsWith('.gz'))!;
    expect(gunzipSync(readFileSync(join(dir, gz))).length).toBeGreaterThan(1000 * 1024);
  });

  it('does not rotate when rotation is disabled', () => {
    const log = new InstanceLog(dir, 'n', { enabled: false, maxSizeMb: 1, compress: false });
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
