import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FAKE_BACKEND, isAlive, modelFile } from './instances/test-helpers';

const ROOT = resolve(__dirname, '..');
// One process (node with tsx's loader), not the tsx wrapper that forks node: the tests signal
// and kill the server itself.
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const CLI_ARGS = ['--import', TSX_LOADER, join(ROOT, 'main', 'cli.ts')];

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  url: string;
  exit: Promise<number | null>;
}

/** Runs the headless entry from source, as `npm run serve` runs the build. */
async function startCli(dir: string, env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, CLI_ARGS, {
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
  return { child, stdout: () => out, stderr: () => err, url, exit };
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
    const child = spawn(process.execPath, CLI_ARGS, {
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

  /** Runs the CLI until it exits by itself; answers its exit code and what it printed. */
  async function runToExit(env: Record<string, string>) {
    const child = spawn(process.execPath, CLI_ARGS, {
      cwd: dir,
      env: {
        PATH: process.env.PATH!,
        HOME: dir,
        LLAMACTL_PORT: '0',
        LLAMACTL_DATA_DIRECTORY: join(dir, 'data'),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (c) => (out += c));
    child.stderr!.on('data', (c) => (err += c));
    const code = await new Promise<number | null>((res) => child.on('exit', res));
    return { code, out, err };
  }

  it('stops with exit code 2 naming the key and the variable for ${VAR} with VAR unset', async () => {
    writeFileSync(join(dir, 'llamactl.yaml'), 'auth:\n  management_keys: ["${ADMIN_KEY}"]\n');
    const { code, err } = await runToExit({});
    expect(code).toBe(2);
    expect(err).toContain('auth.management_keys.0 uses ${ADMIN_KEY}, which is not set');
  });

  it('warns at start for each unknown configuration key, naming file and key', async () => {
    writeFileSync(join(dir, 'llamactl.yaml'), 'instances:\n  max_runing_instances: 1\n');
    const started = await startCli(dir);
    await vi.waitFor(() =>
      expect(started.stderr()).toContain(
        `${join(dir, 'llamactl.yaml')}: unknown key instances.max_runing_instances (ignored)`,
      ),
    );
    started.child.kill('SIGTERM');
    expect(await started.exit).toBe(0);
  });

  it('refuses a second server on the same data folder with exit 2, naming the folder, pid and URL, and leaves the first one’s instances running', async () => {
    const first = await startCli(dir, { LLAMACTL_MANAGEMENT_KEYS: 'k-first' });
    const api = (path: string, init: RequestInit = {}) =>
      fetch(first.url + path, {
        ...init,
        headers: { Authorization: 'Bearer k-first', 'Content-Type': 'application/json' },
      });
    expect(
      (
        await api('/api/v1/instances/kept', {
          method: 'POST',
          body: JSON.stringify({
            backend_type: 'llama_cpp',
            command_override: FAKE_BACKEND,
            backend_options: { model: modelFile('kept.gguf') },
          }),
        })
      ).status,
    ).toBe(201);
    const started = (await (
      await api('/api/v1/instances/kept/start', { method: 'POST' })
    ).json()) as {
      pid: number;
    };

    const second = await runToExit({ LLAMACTL_MANAGEMENT_KEYS: 'k-second' });
    expect(second.code).toBe(2);
    const lines = second.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(join(dir, 'data'));
    expect(lines[0]).toContain(`pid ${first.child.pid}`);
    expect(lines[0]).toContain(first.url);
    expect(second.out).toBe('');

    expect(isAlive(started.pid)).toBe(true);
    const after = (await (await api('/api/v1/instances/kept')).json()) as {
      status: string;
      pid: number;
    };
    expect(after).toMatchObject({ status: 'running', pid: started.pid });
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
  });

  it('takes over the lock of a server that was killed outright', async () => {
    const first = await startCli(dir);
    first.child.kill('SIGKILL');
    await first.exit;
    const second = await startCli(dir);
    second.child.kill('SIGTERM');
    expect(await second.exit).toBe(0);
  });

  it('touches no leftover backend of a killed server when its port is taken, and reaps it once the port is free', async () => {
    const env = { LLAMACTL_MANAGEMENT_KEYS: 'k' };
    const first = await startCli(dir, env);
    const headers = { Authorization: 'Bearer k', 'Content-Type': 'application/json' };
    await fetch(first.url + '/api/v1/instances/left', {
      method: 'POST',
      headers,
      body: JSON.stringify({
        backend_type: 'llama_cpp',
        command_override: FAKE_BACKEND,
        backend_options: { model: modelFile('left.gguf') },
      }),
    });
    const { pid } = (await (
      await fetch(first.url + '/api/v1/instances/left/start', { method: 'POST', headers })
    ).json()) as { pid: number };
    first.child.kill('SIGKILL');
    await first.exit;

    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const refused = await runToExit({ ...env, LLAMACTL_PORT: String(port) });
      expect(refused.code).toBe(2);
      expect(isAlive(pid)).toBe(true);
    } finally {
      blocker.close();
    }
    const second = await startCli(dir, env);
    await vi.waitFor(() => expect(isAlive(pid)).toBe(false), { timeout: 15_000 });
    second.child.kill('SIGTERM');
    expect(await second.exit).toBe(0);
  });

  it('says in one line which port is taken and which setting changes it', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await runToExit({ LLAMACTL_PORT: String(port) });
      expect(r.code).toBe(2);
      expect(r.err.trim()).toBe(
        `llamactl: port ${port} on 127.0.0.1 is already in use; set server.port in the configuration file or LLAMACTL_PORT to use another port`,
      );
    } finally {
      blocker.close();
    }
  });

  it('says in one line that the data folder is not usable', async () => {
    writeFileSync(join(dir, 'a-file'), '');
    const r = await runToExit({ LLAMACTL_DATA_DIRECTORY: join(dir, 'a-file', 'data') });
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain(`the data folder ${join(dir, 'a-file', 'data')} is not usable`);
    expect(r.err).toContain('LLAMACTL_DATA_DIRECTORY');
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('says in one line that the database file is not a database, and leaves it as it was', async () => {
    mkdirSync(join(dir, 'data'));
    const db = join(dir, 'data', 'llamactl.db');
    const garbage = 'not a database '.repeat(100);
    writeFileSync(db, garbage);
    const r = await runToExit({});
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe(
      `llamactl: the database file ${db} is not a SQLite database (or is damaged); move it away to start with an empty one, or set database.path`,
    );
    expect(readFileSync(db, 'utf8')).toBe(garbage);
  });
});
