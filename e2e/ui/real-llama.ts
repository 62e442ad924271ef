import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyLlamaGguf } from '../fixtures/gguf-writer';
import { ensureLlamaServer } from '../fixtures/llama-server-builder.mjs';
import { MGMT_KEY } from './env';
import { launchServer } from './server-launcher';

export interface RealLlamaServer {
  url: string;
  /** the llama.cpp instance created for the tiny model (stopped; chat starts it on demand) */
  instance: string;
  close(): Promise<void>;
}

/**
 * Our headless server (the build the global setup made) running the REAL llama-server from the
 * cache (or LLAMA_SERVER), with one stopped llama.cpp instance on a tiny GGUF model. For the
 * dashboard specs that need real tokens; everything else uses the global setup's fake backend.
 */
export async function startRealLlamaServer(instance = 'tiny'): Promise<RealLlamaServer> {
  const llama = await ensureLlamaServer();
  const dir = mkdtempSync(join(tmpdir(), 'llamactl-e2e-real-'));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const model = writeTinyLlamaGguf(join(dir, `${instance}.gguf`), { name: instance }).path;
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, '# e2e: everything comes from the environment\n{}\n');
  const { url, close } = await launchServer({
    dir,
    dataDir,
    configPath,
    logName: 'e2e-real-server.log',
    env: {
      HOME: dir,
      LLAMACTL_LLAMACPP_COMMAND: llama.path,
      LLAMACTL_LLAMACPP_ARGS: '',
      LLAMACTL_INSTANCE_PORT_RANGE: '31300-31499',
    },
  });
  try {
    const res = await fetch(`${url}/api/v1/instances/${instance}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${MGMT_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        backend_type: 'llama_cpp',
        // light on a shared 2-core machine
        backend_options: {
          model,
          host: '127.0.0.1',
          threads: 1,
          threads_batch: 1,
          ctx_size: 512,
          parallel: 1,
          // random weights may pick end-of-stream at any token; answers run to max tokens
          ignore_eos: true,
        },
        auto_restart: false,
        idle_timeout: 0,
        on_demand_start: true,
      }),
    });
    if (res.status !== 201)
      throw new Error(`creating ${instance}: ${res.status} ${await res.text()}`);
  } catch (err) {
    await close();
    throw err;
  }
  return { url, instance, close };
}
