import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { MGMT_KEY } from './env';

const root = resolve(import.meta.dirname, '../..');

export async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export async function waitForServer(
  url: string,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      const res = await fetch(`${url}/api/v1/version`, {
        headers: { Authorization: `Bearer ${MGMT_KEY}` },
      });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not answer within 30 s:\n${output()}`);
}

export interface LaunchedServer {
  url: string;
  child: ChildProcess;
  /** stops the server (SIGTERM, SIGKILL after `killAfterMs`), keeps its output in
   * test-output/<logName> (CI prints only the test output) and removes `dir` */
  close(): Promise<void>;
}

/**
 * Our headless server from the build (`dist/main/cli.js`) on a free loopback port, with a
 * temporary `dir` as its working folder, `env` on top of the caller's base environment, and the
 * e2e management key. Resolves once it answers; a server that exits or does not answer in 30 s
 * is stopped, cleaned up and reported with its output.
 */
export async function launchServer(opts: {
  dir: string;
  dataDir: string;
  configPath: string;
  env: NodeJS.ProcessEnv;
  /** the environment the server's starts from (default: this process's) */
  baseEnv?: NodeJS.ProcessEnv;
  logName: string;
  killAfterMs?: number;
}): Promise<LaunchedServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let out = '';
  const child = spawn(process.execPath, [join(root, 'dist/main/cli.js')], {
    cwd: opts.dir,
    env: {
      ...(opts.baseEnv ?? process.env),
      LLAMACTL_CONFIG_PATH: opts.configPath,
      LLAMACTL_HOST: '127.0.0.1',
      LLAMACTL_PORT: String(port),
      LLAMACTL_DATA_DIRECTORY: opts.dataDir,
      LLAMACTL_MANAGEMENT_KEYS: MGMT_KEY,
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise<void>((r) => {
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          r();
        }, opts.killAfterMs ?? 15_000);
        child.once('exit', () => {
          clearTimeout(t);
          r();
        });
      });
    }
    mkdirSync(join(root, 'test-output'), { recursive: true });
    writeFileSync(join(root, 'test-output', opts.logName), out);
    rmSync(opts.dir, { recursive: true, force: true });
  };
  try {
    await waitForServer(url, child, () => out);
  } catch (err) {
    await close();
    throw err;
  }
  return { url, child, close };
}
