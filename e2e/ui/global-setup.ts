import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FakeHub, tinyGguf } from '../fixtures/fake-hub';
import { CANCEL_FILE, CANCEL_REPO, E2E_ENV, PROGRESS_FILE, PROGRESS_REPO, QUANT_REPO } from './env';
import { launchServer } from './server-launcher';

const root = resolve(import.meta.dirname, '../..');

/**
 * Builds the app, starts the fake hub (in this process), a small control server the specs use
 * to release a stalled download, and the headless server with a temporary data dir, the fake
 * backend as every backend's command and HF_ENDPOINT at the fake hub.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!process.env.E2E_SKIP_BUILD) {
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const hub = new FakeHub();
  await hub.start();
  // a repo with several quantizations (the download dialog lists them)
  hub.addRepo(QUANT_REPO, [
    { path: 'tiny-chat-Q4_K_M.gguf', content: tinyGguf({ name: 'tiny-chat', padding: 300_000 }) },
    {
      path: 'tiny-chat-Q8_0.gguf',
      content: tinyGguf({ name: 'tiny-chat', fileType: 7, padding: 600_000 }),
    },
    { path: 'README.md', content: Buffer.from('# tiny chat\n') },
  ]);
  // a repo whose download stalls half way until a spec releases it, so progress is observable
  const size = 64 << 20;
  const head = tinyGguf({ name: 'progress' });
  hub.addRepo(PROGRESS_REPO, [
    {
      path: PROGRESS_FILE,
      generated: { block: Buffer.concat([head, Buffer.alloc((1 << 20) - head.length)]), size },
    },
  ]);
  hub.switches.stall = { path: PROGRESS_FILE, atByte: size / 2 };
  // a repo for cancel and retry: stalled on request (one stall at a time)
  hub.addRepo(CANCEL_REPO, [
    {
      path: CANCEL_FILE,
      generated: {
        block: Buffer.concat([head, Buffer.alloc((1 << 20) - head.length)]),
        size: 8 << 20,
      },
    },
  ]);

  const control = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/release-stall') hub.releaseStall();
    if (u.pathname === '/stall')
      hub.switches.stall = {
        path: u.searchParams.get('path')!,
        atByte: Number(u.searchParams.get('at')),
      };
    res.end('ok');
  });
  await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));

  const dir = mkdtempSync(join(tmpdir(), 'llamactl-e2e-'));
  const dataDir = join(dir, 'data');
  const cacheDir = join(dir, 'hub');
  mkdirSync(dataDir);
  mkdirSync(cacheDir);
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, '# e2e: everything comes from the environment\n{}\n');
  const fake = join(root, 'e2e/fixtures/fake-backend.mjs');
  const { url, close } = await launchServer({
    dir,
    dataDir,
    configPath,
    logName: 'e2e-server.log',
    killAfterMs: 10_000,
    env: {
      HOME: dir,
      LLAMACTL_LLAMACPP_COMMAND: fake,
      LLAMACTL_LLAMACPP_ARGS: '',
      LLAMACTL_MLX_COMMAND: fake,
      LLAMACTL_VLLM_COMMAND: fake,
      // instance ports below Linux's ephemeral range (32768-60999), as in the other launchers
      LLAMACTL_INSTANCE_PORT_RANGE: '30000-30999',
      // Swagger UI is in the security spec's Content-Security-Policy walk
      LLAMACTL_ENABLE_SWAGGER: 'true',
      LLAMA_CACHE: cacheDir,
      HF_ENDPOINT: hub.url,
      // a connection that stops delivering is dropped and resumed well within a spec's timeout
      LLAMACTL_DOWNLOAD_STALL_TIMEOUT: '5s',
    },
  });

  process.env[E2E_ENV.url] = url;
  process.env[E2E_ENV.control] = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;

  return async () => {
    await close();
    control.close();
    await hub.close();
  };
}
