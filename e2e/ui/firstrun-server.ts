import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeHub, tinyGguf } from '../fixtures/fake-hub';
import { FAKE_BACKEND, FakeReleaseServer } from '../fixtures/fake-releases';
import { launchServer } from './server-launcher';

export const STARTER_REPO = 'unsloth/Qwen3-0.6B-GGUF';
export const PRIVATE_REPO = 'tiny-org/private-GGUF';
export const HUB_TOKEN = 'hf_e2eTokenForPrivateRepos1234';
export const LOCAL_MODEL = 'local-chat-Q4_K_M.gguf';

export interface FirstRunServer {
  url: string;
  /** a llama-server wrapper that records each start in `marker`, then runs the fake backend */
  customCommand: string;
  marker: string;
  close(): Promise<void>;
}

/**
 * Our headless server as a new user has it: no llama-server anywhere (no command configured,
 * an empty HOME and PATH without one), llama.cpp releases from the fake release server, the
 * fake hub with a starter model and a private repo, and a GGUF model with its vision
 * projector in ~/models.
 */
export async function startFirstRunServer(): Promise<FirstRunServer> {
  const releases = new FakeReleaseServer();
  await releases.start();
  const hub = new FakeHub();
  await hub.start();
  hub.switches.token = HUB_TOKEN;
  hub.addRepo(STARTER_REPO, [
    {
      path: 'Qwen3-0.6B-Q4_K_M.gguf',
      content: tinyGguf({
        name: 'Qwen3-0.6B',
        arch: 'qwen3',
        contextLength: 40960,
        padding: 200_000,
      }),
    },
    {
      // the starter list recommends the best quantization that fits: Q8_0 on most machines
      path: 'Qwen3-0.6B-Q8_0.gguf',
      content: tinyGguf({
        name: 'Qwen3-0.6B',
        arch: 'qwen3',
        contextLength: 40960,
        fileType: 7,
        padding: 300_000,
      }),
    },
  ]);
  hub.addRepo(
    PRIVATE_REPO,
    [{ path: 'private-Q4_K_M.gguf', content: tinyGguf({ name: 'private', padding: 1000 }) }],
    { private: true },
  );

  const dir = mkdtempSync(join(tmpdir(), 'llamactl-e2e-firstrun-'));
  const home = join(dir, 'home');
  const dataDir = join(dir, 'data');
  mkdirSync(join(home, 'models'), { recursive: true });
  mkdirSync(dataDir);
  writeFileSync(join(home, 'models', LOCAL_MODEL), tinyGguf({ name: 'local-chat', padding: 1000 }));
  writeFileSync(
    join(home, 'models', 'mmproj-local-chat-F16.gguf'),
    tinyGguf({ name: 'local-chat-mmproj', arch: 'clip' }),
  );
  const marker = join(dir, 'custom-starts.log');
  const customCommand = join(dir, 'bin', 'my-llama-server');
  mkdirSync(join(dir, 'bin'));
  writeFileSync(
    customCommand,
    `#!/bin/sh\necho "started $*" >> '${marker}'\nexec '${process.execPath}' '${FAKE_BACKEND}' "$@"\n`,
  );
  chmodSync(customCommand, 0o755);
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, '# e2e: a new user has no config\n{}\n');
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env))
    if (/^(LLAMACTL_|HF_|HUGGINGFACE_)/.test(k) || k === 'LLAMA_CACHE' || k === 'XDG_CACHE_HOME')
      delete env[k];
  const server = await launchServer({
    dir,
    dataDir,
    configPath,
    baseEnv: env,
    logName: 'e2e-firstrun-server.log',
    env: {
      HOME: home,
      // no llama-server on PATH: only system tools
      PATH: '/usr/bin:/bin',
      LLAMACTL_LLAMACPP_RELEASES_URL: releases.releasesUrl,
      LLAMACTL_INSTANCE_PORT_RANGE: '31500-31699',
      HF_ENDPOINT: hub.url,
      HF_HOME: join(home, '.cache', 'huggingface'),
    },
  }).catch(async (err: unknown) => {
    await hub.close();
    await releases.close();
    throw err;
  });
  const close = async () => {
    await server.close();
    await hub.close();
    await releases.close();
  };
  return { url: server.url, customCommand, marker, close };
}
