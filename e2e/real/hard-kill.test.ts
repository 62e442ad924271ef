import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Instance } from '../../shared/api/instances';
import { TEST_MGMT_KEY } from '../../main/testing/test-server';
import {
  isDescendant,
  json,
  LIGHT_OPTIONS,
  llamaServerPath,
  llamaServers,
  makeWorkDir,
  pidAlive,
  portRange,
  processTable,
  removeWorkDir,
  writeTinyModels,
} from './helpers';

const ROOT = join(import.meta.dirname, '..', '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Our headless server as its own process (the test must be able to SIGKILL it), run from
 * source through tsx exactly like `npm run serve` runs the built file.
 */
class ServerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  output = '';

  constructor(
    configPath: string,
    readonly url: string,
  ) {
    this.child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'main', 'cli.ts')], {
      cwd: ROOT,
      env: { ...process.env, LLAMACTL_CONFIG_PATH: configPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d) => (this.output += d));
    this.child.stderr!.on('data', (d) => (this.output += d));
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  get pid(): number {
    return this.child.pid!;
  }

  api(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(this.url + path, {
      ...init,
      headers: {
        Authorization: `Bearer ${TEST_MGMT_KEY}`,
        'Content-Type': 'application/json',
        ...(init.headers as Record<string, string>),
      },
    });
  }

  async ready(): Promise<void> {
    await expect
      .poll(
        async () => {
          if (this.child.exitCode !== null)
            throw new Error(`the server exited early:\n${this.output}`);
          return this.api('/api/v1/version').then(
            (r) => r.status,
            () => 0,
          );
        },
        { timeout: 60_000, interval: 200 },
      )
      .toBe(200);
  }
}

describe('our server killed with SIGKILL and started again', () => {
  let work: string;
  let configPath: string;
  let url: string;
  const servers: ServerProcess[] = [];

  const start = async () => {
    const s = new ServerProcess(configPath, url);
    servers.push(s);
    await s.ready();
    return s;
  };

  beforeAll(async () => {
    work = makeWorkDir('kill');
    writeTinyModels(join(work, 'models'), ['alpha', 'beta']);
    writeTinyModels(work, ['solo']);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    configPath = join(work, 'llamactl.yaml');
    writeFileSync(
      configPath,
      stringify({
        server: { host: '127.0.0.1', port },
        data_dir: join(work, 'data'),
        auth: { management_keys: [TEST_MGMT_KEY] },
        backends: { 'llama-cpp': { command: llamaServerPath() } },
        instances: { port_range: portRange(), on_demand_start_timeout: 60 },
      }),
    );
  });

  afterAll(async () => {
    for (const s of servers) {
      if (s.child.exitCode === null && s.child.signalCode === null) {
        s.child.kill('SIGTERM');
        await s.exited;
      }
    }
    if (work) {
      // Whatever happened above, leave no llama-server of this test behind.
      for (const p of llamaServers(work)) process.kill(p.pid, 'SIGKILL');
      removeWorkDir(work);
    }
  });

  it('leaves no orphaned llama-server, router children included', async () => {
    const first = await start();
    const create = async (name: string, backend_options: Record<string, unknown>) => {
      const r = await json<Instance>(
        first.api(`/api/v1/instances/${name}`, {
          method: 'POST',
          body: JSON.stringify({
            backend_type: 'llama_cpp',
            backend_options: { host: '127.0.0.1', ...LIGHT_OPTIONS, ...backend_options },
            idle_timeout: 0,
          }),
        }),
      );
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    };
    await create('solo', { model: join(work, 'solo.gguf') });
    await create('router', { models_dir: join(work, 'models') });
    for (const name of ['solo', 'router']) {
      expect((await first.api(`/api/v1/instances/${name}/start`, { method: 'POST' })).status).toBe(
        200,
      );
      await expect
        .poll(
          async () => (await json<Instance>(first.api(`/api/v1/instances/${name}`))).body.health,
          { timeout: 60_000, interval: 200 },
        )
        .toBe('ready');
    }
    const load = await first.api('/api/v1/llama-cpp/router/models/alpha/load', {
      method: 'POST',
      body: JSON.stringify({ model: 'alpha' }),
    });
    expect(load.status, await load.text()).toBe(200);
    // solo, the router and the router's child for alpha
    await expect.poll(() => llamaServers(work).length, { timeout: 60_000 }).toBe(3);
    const before = llamaServers(work).map((p) => p.pid);

    first.child.kill('SIGKILL');
    await first.exited;

    const second = await start();
    // Every llama-server of the first server is gone; whatever runs now belongs to the second one
    // (instances that were running come back, as llamactl does for auto_restart instances).
    await expect
      .poll(() => before.filter(pidAlive), { timeout: 60_000, interval: 200 })
      .toEqual([]);
    await expect
      .poll(
        () => {
          const table = processTable();
          return llamaServers(work)
            .filter((p) => !isDescendant(table, p.pid, second.pid))
            .map((p) => `${p.pid}: ${p.argv.join(' ')}`);
        },
        { timeout: 30_000, interval: 200 },
      )
      .toEqual([]);

    second.child.kill('SIGTERM');
    await second.exited;
    await expect.poll(() => llamaServers(work).map((p) => p.pid), { timeout: 30_000 }).toEqual([]);
  });
});
