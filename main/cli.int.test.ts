import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

interface Started {
  child: ChildProcess;
  stdout: () => string;
  url: string;
  exit: Promise<number | null>;
}

/** Runs the headless entry from source, as `npm run serve` runs the build. */
async function startCli(dir: string, env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(TSX, [join(ROOT, 'main', 'cli.ts')], {
    cwd: dir,
    env: {
      PATH: process.env.PATH!,
      HOME: dir,
      LLAMACTL_PORT: '0',
      LLAMACTL_DATA_DIRECTORY: join(dir, 'data'),
      LLAMACTL_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (err += c));
  const exit = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  await vi.waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`cli exited early (${child.exitCode}): ${err}`);
      expect(out).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
      expect(out).toMatch(/management API/i);
    },
    { timeout: 30_000, interval: 50 },
  );
  const url = /listening on (http:\/\/\S+)/.exec(out)![1];
  return { child, stdout: () => out, url, exit };
}

describe('headless entry (cli.ts)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'llamactl-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the URL and a generated key with its file, keeps the key across restarts, and exits 0 on SIGTERM and SIGINT', async () => {
    const first = await startCli(dir);
    const keyFile = join(dir, 'data', 'management.key');
    const key = readFileSync(keyFile, 'utf8').trim();
    expect(first.stdout()).toContain(key);
    expect(first.stdout()).toContain(`kept in ${keyFile}`);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(
      (await fetch(first.url + '/api/v1/version', { headers: { Authorization: `Bearer ${key}` } }))
        .status,
    ).toBe(200);
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);

    const second = await startCli(dir);
    expect(second.stdout()).not.toContain(key); // printed once, on the start that made it
    expect(second.stdout()).toContain(`Management API key: kept in ${keyFile}`);
    expect(
      (await fetch(second.url + '/api/v1/version', { headers: { 'X-API-Key': key } })).status,
    ).toBe(200);
    second.child.kill('SIGINT');
    expect(await second.exit).toBe(0);
  });

  it('stops with exit code 2 and a message naming key, value and rule for a bad value', async () => {
    const child = spawn(TSX, [join(ROOT, 'main', 'cli.ts')], {
      cwd: dir,
      env: { PATH: process.env.PATH!, HOME: dir, LLAMACTL_PORT: 'http' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (c) => (err += c));
    const code = await new Promise<number | null>((res) => child.on('exit', res));
    expect(code).toBe(2);
    expect(err).toContain('LLAMACTL_PORT = "http": must be an integer (sets server.port)');
  });
});
