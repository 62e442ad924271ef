import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deepMerge, loadConfig } from '../config/load-config';
import type { AppConfig } from '../config/schema';
import { silentLogger, type Logger } from '../logger';
import { listen, type RunningServer } from '../server/http-server';
import {
  closeServices,
  createServices,
  type CreateServicesOptions,
  type Services,
} from '../services';

export const TEST_MGMT_KEY =
  'llamactl-mgmt-test-0000000000000000000000000000000000000000000000000000';

export interface TestServer {
  url: string;
  port: number;
  services: Services;
  config: AppConfig;
  dataDir: string;
  mgmtKey: string;
  /** fetch relative to the server with the management key */
  api(path: string, init?: RequestInit): Promise<Response>;
  close(opts?: { keepData?: boolean }): Promise<void>;
}

export interface TestServerOptions {
  /** config values merged over the test defaults (YAML structure) */
  config?: Record<string, unknown>;
  /** reuse a data dir (restart tests) */
  dataDir?: string;
  log?: Logger;
  /** supervision timings (short stop grace etc.) */
  instanceTuning?: CreateServicesOptions['instanceTuning'];
  /** the free-space probe of downloads (disk-full tests) */
  freeBytes?: CreateServicesOptions['freeBytes'];
  /** runtime detection seams (hardware, well-known folders) */
  runtimes?: CreateServicesOptions['runtimes'];
  /** an OS keychain stand-in for the Hugging Face token (the desktop app's seam) */
  secretProtector?: CreateServicesOptions['secretProtector'];
  /** free memory as the memory check of starts sees it */
  memory?: CreateServicesOptions['memory'];
}

/**
 * A real server on 127.0.0.1 with an ephemeral port and a temporary data dir, as the tests use it.
 */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'llamactl-test-'));
  const base = {
    data_dir: dataDir,
    server: { host: '127.0.0.1', port: 0 },
    auth: { management_keys: [TEST_MGMT_KEY] },
  };
  // Hermetic: no config file, .env or LLAMACTL_* variable of the machine leaks into a test.
  const config = loadConfig({
    env: {},
    files: false,
    overrides: deepMerge(base, opts.config ?? {}),
  });
  const services = await createServices(config, {
    log: opts.log ?? silentLogger,
    instanceTuning: opts.instanceTuning,
    freeBytes: opts.freeBytes,
    runtimes: opts.runtimes,
    secretProtector: opts.secretProtector,
    memory: opts.memory,
  });
  let running: RunningServer;
  try {
    running = await listen(services, '127.0.0.1', 0);
  } catch (err) {
    await closeServices(services);
    throw err;
  }
  return {
    url: running.url,
    port: running.port,
    services,
    config,
    dataDir,
    mgmtKey: TEST_MGMT_KEY,
    api: (path, init = {}) =>
      fetch(running.url + path, {
        ...init,
        headers: {
          Authorization: `Bearer ${TEST_MGMT_KEY}`,
          ...(init.headers as Record<string, string>),
        },
      }),
    close: async ({ keepData = false } = {}) => {
      await running.close();
      await closeServices(services);
      if (!keepData && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
