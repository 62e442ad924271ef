import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MGMT_KEY } from './env';
import { freePort, waitForServer } from './server-launcher';

const root = resolve(import.meta.dirname, '../..');

export interface OwnServer {
  url: string;
  /** the management API of this server */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** SIGTERM, as a user quitting it would; resolves once the process has exited */
  stop(): Promise<void>;
  /** starts it again on the same port and data dir */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A headless server of the spec's own, which the spec may stop and start again (the global
 * setup's server is shared by every spec): same port and data dir each time, the fake backend
 * as every backend's command.
 */
export async function startOwnServer(label: string): Promise<OwnServer> {
  const dir = mkdtempSync(join(tmpdir(), `llamactl-e2e-${label}-`));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, '# e2e: everything comes from the environment\n{}\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const fake = join(root, 'e2e/fixtures/fake-backend.mjs');
  let child: ChildProcess | null = null;
  let out = '';
  const start = async () => {
    child = spawn(process.execPath, [join(root, 'dist/main/cli.js')], {
      cwd: dir,
      env: {
        ...process.env,
        HOME: dir,
        LLAMACTL_CONFIG_PATH: configPath,
        LLAMACTL_HOST: '127.0.0.1',
        LLAMACTL_PORT: String(port),
        LLAMACTL_DATA_DIRECTORY: dataDir,
        LLAMACTL_MANAGEMENT_KEYS: MGMT_KEY,
        LLAMACTL_LLAMACPP_COMMAND: fake,
        LLAMACTL_LLAMACPP_ARGS: '',
        LLAMACTL_INSTANCE_PORT_RANGE: '31700-31999',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    await waitForServer(url, child, () => out);
  };
  const stop = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((r) => {
      const t = setTimeout(() => {
        c.kill('SIGKILL');
        r();
      }, 15_000);
      c.once('exit', () => {
        clearTimeout(t);
        r();
      });
      c.kill('SIGTERM');
    });
  };
  await start();
  return {
    url,
    api: (path, init = {}) =>
      fetch(url + path, {
        ...init,
        headers: { Authorization: `Bearer ${MGMT_KEY}`, 'Content-Type': 'application/json' },
      }),
    stop,
    start,
    close: async () => {
      await stop();
      mkdirSync(join(root, 'test-output'), { recursive: true });
      writeFileSync(join(root, 'test-output', `e2e-${label}-server.log`), out);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
