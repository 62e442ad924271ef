import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { action, createInstance, testPortRange } from '../instances/test-helpers';
import { startTestServer, type TestServer } from '../testing/test-server';

const mode = (path: string) => statSync(path).mode & 0o777;

let root: string;
let s: TestServer | undefined;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'llamactl-private-'));
  chmodSync(root, 0o755);
});
afterEach(async () => {
  await s?.close({ keepData: true });
  s = undefined;
  rmSync(root, { recursive: true, force: true });
});

describe('data folder permissions', () => {
  it('creates the data folder 0700 and its database, logs and instance files 0600', async () => {
    const dataDir = join(root, 'data');
    s = await startTestServer({
      dataDir,
      config: { instances: { port_range: testPortRange(61) } },
    });
    await createInstance(s, 'p', { preset_ini: '[*]\nctx-size = 512\n' });
    expect((await action(s, 'p', 'start')).status).toBe(200);
    expect((await action(s, 'p', 'stop')).status).toBe(200);
    expect(mode(dataDir)).toBe(0o700);
    for (const dir of ['logs', 'instances']) expect(mode(join(dataDir, dir)), dir).toBe(0o700);
    const dbFiles = readdirSync(dataDir).filter((f) => f.startsWith('llamactl.db'));
    expect(dbFiles).toContain('llamactl.db');
    for (const f of dbFiles) expect(mode(join(dataDir, f)), f).toBe(0o600);
    expect(mode(join(dataDir, 'logs', 'p.log'))).toBe(0o600);
    expect(mode(join(dataDir, 'instances', 'p', 'preset.ini'))).toBe(0o600);
  });

  it('tightens the folders and files of an existing data folder at start', async () => {
    const dataDir = join(root, 'old');
    mkdirSync(join(dataDir, 'logs', 'backups', 'a'), { recursive: true, mode: 0o755 });
    const files = ['llamactl.db-wal', 'logs/a.log', 'logs/backups/a/a-1.log', 'settings.json'];
    for (const f of files) writeFileSync(join(dataDir, f), 'x', { mode: 0o644 });
    for (const d of ['', 'logs', 'logs/backups', 'logs/backups/a'])
      chmodSync(join(dataDir, d), 0o755);
    s = await startTestServer({
      dataDir,
      config: { instances: { port_range: testPortRange(62) } },
    });
    for (const d of ['', 'logs', 'logs/backups', 'logs/backups/a'])
      expect(mode(join(dataDir, d)), d || '(data dir)').toBe(0o700);
    for (const f of files) expect(mode(join(dataDir, f)), f).toBe(0o600);
  });
});
