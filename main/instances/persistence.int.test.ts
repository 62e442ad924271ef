import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, TEST_MGMT_KEY, type TestServer } from '../testing/test-server';
import { readCmdline } from './reaper';
import { action, createInstance, FAKE_BACKEND, getInstance, testPortRange } from './test-helpers';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const alive = (pid: number) => readCmdline(pid) !== null;

let dataDir: string;
const servers: TestServer[] = [];
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'llamactl-persist-'));
});
afterEach(async () => {
  for (const srv of servers.splice(0)) await srv.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function boot(slot: number, config: Record<string, unknown> = {}): Promise<TestServer> {
  const srv = await startTestServer({
    dataDir,
    config: { instances: { port_range: testPortRange(slot) }, ...config },
  });
  servers.push(srv);
  return srv;
}

describe('persistence across server restarts', () => {
  it('brings back instances that were running, keeps stopped ones stopped and serves old logs', async () => {
    const first = await boot(30);
    await createInstance(first, 'keep', {});
    await createInstance(first, 'rest', {});
    await action(first, 'keep', 'start');
    await action(first, 'rest', 'start');
    await expect
      .poll(async () => (await getInstance(first, 'keep')).health, { timeout: 10_000 })
      .toBe('ready');
    await expect
      .poll(async () => (await getInstance(first, 'rest')).health, { timeout: 10_000 })
      .toBe('ready');
    await action(first, 'rest', 'stop');
    const oldPid = (await getInstance(first, 'keep')).pid!;
    await first.close();
    servers.splice(0);
    expect(alive(oldPid)).toBe(false);

    const second = await boot(30);
    // logs of the stopped instance are readable before it is ever started by this server
    const logs = await (await second.api('/api/v1/instances/rest/logs')).text();
    expect(logs).toContain('fake-backend: listening on');
    expect((await getInstance(second, 'rest')).status).toBe('stopped');
    await expect
      .poll(async () => (await getInstance(second, 'keep')).health, { timeout: 10_000 })
      .toBe('ready');
    const back = await getInstance(second, 'keep');
    expect(back.status).toBe('running');
    expect(back.pid).not.toBe(oldPid);
  });

  it('keeps a failed instance failed after a restart, with no process behind it', async () => {
    const first = await boot(31);
    await createInstance(first, 'broken', {
      auto_restart: false,
      environment: { FAKE_CRASH_AFTER_MS: '20' },
    });
    await action(first, 'broken', 'start');
    await expect
      .poll(async () => (await getInstance(first, 'broken')).status, { timeout: 10_000 })
      .toBe('failed');
    await first.close();
    servers.splice(0);
    const second = await boot(31);
    const inst = await getInstance(second, 'broken');
    expect(inst).toMatchObject({ status: 'failed', health: 'failed' });
    expect(inst.pid).toBeUndefined();
    // and the reason stays with it
    expect(inst.last_error?.message).toMatch(/^exited with code 1/);
  });
});

describe('the server as its own process', () => {
  let cli: ChildProcess | undefined;
  afterEach(() => {
    if (cli && cli.exitCode === null && cli.signalCode === null) cli.kill('SIGKILL');
  });

  /** The real server as its own process (`node --import tsx main/cli.ts`), on this test's data dir. */
  async function startCli(slot: number, extraConfig: string[] = []) {
    const range = testPortRange(slot);
    const configPath = join(dataDir, 'config.yaml');
    writeFileSync(
      configPath,
      [
        'server:',
        '  host: 127.0.0.1',
        '  port: 0',
        `data_dir: ${JSON.stringify(dataDir)}`,
        'auth:',
        `  management_keys: [${JSON.stringify(TEST_MGMT_KEY)}]`,
        'instances:',
        `  port_range: [${range[0]}, ${range[1]}]`,
        ...extraConfig,
        '',
      ].join('\n'),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'main/cli.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        HOME: dataDir,
        LLAMACTL_CONFIG_PATH: configPath,
        LLAMACTL_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cli = child;
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    await expect.poll(() => out, { timeout: 30_000 }).toMatch(/listening on (http:\/\/\S+)/);
    const url = /listening on (http:\/\/\S+)/.exec(out)![1];
    const api = (path: string, init: RequestInit = {}) =>
      fetch(url + path, {
        ...init,
        headers: { Authorization: `Bearer ${TEST_MGMT_KEY}`, 'Content-Type': 'application/json' },
      });
    return { child, api };
  }

  it('killed with SIGKILL leaves no orphan after the next start and at most one backend per port', async () => {
    const { api } = await startCli(32);
    const created = await api('/api/v1/instances/orphan', {
      method: 'POST',
      body: JSON.stringify({
        backend_type: 'llama_cpp',
        command_override: FAKE_BACKEND,
        environment: { FAKE_SPAWN_CHILD: '1' },
      }),
    });
    expect(created.status).toBe(201);
    const port = (await created.json()).options.backend_options.port as number;
    const started = await (await api('/api/v1/instances/orphan/start', { method: 'POST' })).json();
    const backendPid = started.pid as number;
    await expect
      .poll(async () => (await (await api('/api/v1/instances/orphan')).json()).health, {
        timeout: 15_000,
      })
      .toBe('ready');
    const logFile = join(dataDir, 'logs', 'orphan.log');
    await expect
      .poll(() => readFileSync(logFile, 'utf8'), { timeout: 5_000 })
      .toMatch(/grandchild pid (\d+)/);
    const grandchild = Number(/grandchild pid (\d+)/.exec(readFileSync(logFile, 'utf8'))![1]);

    cli!.kill('SIGKILL');
    await new Promise((r) => cli!.once('exit', r));
    // the backend and its child outlived the server
    expect(alive(backendPid)).toBe(true);
    expect(alive(grandchild)).toBe(true);

    const next = await boot(32);
    expect(alive(backendPid)).toBe(false);
    expect(alive(grandchild)).toBe(false);
    // it was running, so it comes back: one new backend on the same port
    await expect
      .poll(async () => (await getInstance(next, 'orphan')).health, { timeout: 15_000 })
      .toBe('ready');
    const inst = await getInstance(next, 'orphan');
    expect(inst.status).toBe('running');
    expect(inst.options.backend_options.port).toBe(port);
    const state = await (await fetch(`http://127.0.0.1:${port}/fake/state`)).json();
    expect(state.pid).toBe(inst.pid);
    expect(inst.pid).not.toBe(backendPid);
  }, 90_000);

  it('reaps a backend started through a wrapper script that execs it, after a SIGKILL of the server, and restores it running', async () => {
    // How Homebrew shims, pyenv, conda, nix and asdf install tools: a script that execs the
    // real program, so the live command line no longer names the configured command.
    const wrapper = join(dataDir, 'llama-server-wrapper.sh');
    writeFileSync(wrapper, `#!/bin/sh\nexec ${JSON.stringify(FAKE_BACKEND)} "$@"\n`);
    chmodSync(wrapper, 0o755);
    const backends = ['backends:', '  llama-cpp:', `    command: ${JSON.stringify(wrapper)}`];
    const { api } = await startCli(34, backends);
    const created = await api('/api/v1/instances/shim', {
      method: 'POST',
      body: JSON.stringify({ backend_type: 'llama_cpp' }),
    });
    expect(created.status).toBe(201);
    const port = (await created.json()).options.backend_options.port as number;
    const backendPid = (
      await (await api('/api/v1/instances/shim/start', { method: 'POST' })).json()
    ).pid as number;
    await expect
      .poll(async () => (await (await api('/api/v1/instances/shim')).json()).health, {
        timeout: 15_000,
      })
      .toBe('ready');
    expect(readCmdline(backendPid)!.join(' ')).not.toContain('wrapper');

    cli!.kill('SIGKILL');
    await new Promise((r) => cli!.once('exit', r));
    expect(alive(backendPid)).toBe(true);

    const next = await boot(34, { backends: { 'llama-cpp': { command: wrapper } } });
    expect(alive(backendPid)).toBe(false);
    await expect
      .poll(async () => (await getInstance(next, 'shim')).health, { timeout: 15_000 })
      .toBe('ready');
    const inst = await getInstance(next, 'shim');
    expect(inst.status).toBe('running');
    const state = await (await fetch(`http://127.0.0.1:${port}/fake/state`)).json();
    expect(state.pid).toBe(inst.pid);
  }, 90_000);

  it('stops every backend on SIGTERM and restores them at the next start', async () => {
    const { child, api } = await startCli(33);
    const pids: number[] = [];
    for (const n of ['g1', 'g2']) {
      const res = await api(`/api/v1/instances/${n}`, {
        method: 'POST',
        body: JSON.stringify({
          backend_type: 'llama_cpp',
          command_override: FAKE_BACKEND,
          environment: { FAKE_IGNORE_SIGTERM: n === 'g2' ? '1' : '0' },
        }),
      });
      expect(res.status).toBe(201);
      pids.push((await (await api(`/api/v1/instances/${n}/start`, { method: 'POST' })).json()).pid);
      // ready means the backend has installed its signal handlers (g2 ignores SIGTERM)
      await expect
        .poll(async () => (await (await api(`/api/v1/instances/${n}`)).json()).health, {
          timeout: 15_000,
        })
        .toBe('ready');
    }
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    const next = await boot(33);
    for (const n of ['g1', 'g2']) {
      await expect
        .poll(async () => (await getInstance(next, n)).status, { timeout: 15_000 })
        .toBe('running');
    }
  }, 90_000);
});
