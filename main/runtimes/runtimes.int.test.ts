import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FakeReleaseServer } from '../../e2e/fixtures/fake-releases';
import type { ServerEvent } from '../../shared/api/events';
import type { Instance } from '../../shared/api/instances';
import type { ReleasesResponse, RuntimeJob, RuntimesResponse } from '../../shared/api/runtimes';
import { modelFile, testPortRange } from '../instances/test-helpers';
import { startTestServer, type TestServer } from '../testing/test-server';

const releases = new FakeReleaseServer();
let s: TestServer;
const events: ServerEvent[] = [];

beforeAll(async () => {
  await releases.start();
  s = await startTestServer({
    config: {
      runtimes: { llama_cpp: { releases_url: releases.releasesUrl } },
      instances: { port_range: testPortRange(7) },
    },
    runtimes: {
      hardware: async () => ({
        os: 'linux',
        arch: 'x64',
        memory_bytes: 16 * 1024 ** 3,
        gpus: [],
        recommended_variant: 'cpu',
      }),
      wellKnownDirs: [],
    },
  });
  s.services.events.subscribe((e) => events.push(e));
});

afterAll(async () => {
  await s?.close();
  await releases.close();
});

const root = () => join(s.dataDir, 'runtimes', 'llama-cpp');

async function install(body: Record<string, unknown>): Promise<Response> {
  return s.api('/api/v1/runtimes/llama-cpp/install', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function finished(id: string): Promise<RuntimeJob> {
  let job: RuntimeJob | undefined;
  await expect
    .poll(
      async () => {
        job = (await (await s.api(`/api/v1/models/jobs/${id}`)).json()) as RuntimeJob;
        return job.status;
      },
      { timeout: 20_000 },
    )
    .toMatch(/completed|failed|cancelled/);
  return job!;
}

async function installAndWait(body: Record<string, unknown>): Promise<RuntimeJob> {
  const res = await install(body);
  expect(res.status).toBe(202);
  const { job_id } = (await res.json()) as { job_id: string };
  return finished(job_id);
}

/** Nothing of a failed install is left: no staging folder, no folder for the tag. */
function expectNothingLeftFor(tag: string): void {
  const names = existsSync(root()) ? readdirSync(root()) : [];
  expect(names.filter((n) => n.startsWith('.staging-'))).toEqual([]);
  expect(names).not.toContain(tag);
}

describe('llama.cpp runtimes against a fake release server', () => {
  it('lists the releases with the asset for this machine and the latest tag', async () => {
    const res = await s.api('/api/v1/runtimes/llama-cpp/releases');
    expect(res.status).toBe(200);
    const body = (await res.json()) as ReleasesResponse;
    expect(body.latest).toBe('b1240');
    expect(body.recommended_variant).toBe('cpu');
    expect(body.update_available).toBe(false);
    const latest = body.releases.find((r) => r.tag === 'b1240')!;
    expect(latest.assets.map((a) => a.variant)).toEqual(['vulkan', 'cpu']);
    expect(latest.asset).toMatchObject({
      name: 'llama-b1240-bin-ubuntu-x64.tar.gz',
      variant: 'cpu',
    });
    expect(latest.asset!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(body.releases.find((r) => r.tag === 'b1239')!.asset!.name).toMatch(/\.zip$/);
  });

  it('installs an older .zip build without making it the default, and then offers an update', async () => {
    const job = await installAndWait({ version: 'b1239', make_default: false });
    expect(job).toMatchObject({
      kind: 'runtime',
      status: 'completed',
      tag: 'b1239',
      variant: 'cpu',
    });
    const server = join(root(), 'b1239', 'cpu', 'build', 'bin', 'llama-server');
    expect(job.path).toBe(server);
    expect(statSync(server).mode & 0o111).not.toBe(0);
    const list = (await (await s.api('/api/v1/runtimes')).json()) as RuntimesResponse;
    expect(list.default).toMatchObject({ command: 'llama-server', source: 'default' });
    const rel = (await (
      await s.api('/api/v1/runtimes/llama-cpp/releases')
    ).json()) as ReleasesResponse;
    expect(rel.installed_latest).toBe('b1239');
    expect(rel.update_available).toBe(true);
    expect(rel.releases.find((r) => r.tag === 'b1239')!.installed).toEqual(['cpu']);
  });

  it('installs latest: digest checked before unpacking, --version run, made the default, and an instance starts with it with no command configured', async () => {
    const before = events.length;
    const job = await installAndWait({ version: 'latest' });
    expect(job).toMatchObject({ status: 'completed', tag: 'b1240', variant: 'cpu', phase: 'done' });
    expect(job.progress.bytes_downloaded).toBe(job.progress.total_bytes);

    // The event stream carried the job through its phases, in order.
    const phases = events
      .slice(before)
      .filter((e) => e.type === 'job' && (e.job as RuntimeJob).id === job.id)
      .map((e) => (e.type === 'job' ? (e.job as RuntimeJob).phase : ''));
    const order = ['download', 'verify', 'unpack', 'check', 'done'];
    expect([...new Set(phases)]).toEqual(order);

    const dir = join(root(), 'b1240', 'cpu');
    const server = join(dir, 'llama-b1240', 'llama-server');
    expect(job.path).toBe(server);
    expect(lstatSync(join(dir, 'llama-b1240', 'libllama.so.0')).isSymbolicLink()).toBe(true);
    const manifest = JSON.parse(readFileSync(join(dir, 'runtime.json'), 'utf8'));
    expect(manifest).toMatchObject({
      tag: 'b1240',
      variant: 'cpu',
      server: 'llama-b1240/llama-server',
      version: 'version: 1240 (fakebuild)',
    });
    expect(manifest.digest).toMatch(/^sha256:/);
    expect(readdirSync(root()).filter((n) => n.startsWith('.'))).toEqual([]);

    const list = (await (await s.api('/api/v1/runtimes')).json()) as RuntimesResponse;
    expect(list.default).toEqual({ command: server, source: 'settings', path: server });
    const entry = list.runtimes.find((r) => r.path === server)!;
    expect(entry).toMatchObject({
      default: true,
      tag: 'b1240',
      variant: 'cpu',
      build: 'b1240',
      version: 'version: 1240 (fakebuild)',
      devices: ['FAKE0: Fake Accelerator (1024 MiB, 1000 MiB free)'],
    });
    expect(entry.sources).toEqual(expect.arrayContaining(['configured', 'app']));
    expect(list.runtimes.find((r) => r.tag === 'b1239')!.default).toBe(false);

    const config = await (await s.api('/api/v1/config')).json();
    expect(config.backends['llama-cpp'].command).toBe(server);
    expect(config.sources['backends.llama-cpp.command']).toBe('settings');
    expect(config.sources['server.port']).toBe('overrides');
    expect(config.sources['instances.max_instances']).toBe('default');

    // No command anywhere: not in the instance, not in the config file, not in the environment.
    const created = await s.api('/api/v1/instances/first', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        backend_type: 'llama_cpp',
        // a file that exists: a missing model fails the start before spawning
        backend_options: { model: modelFile('a.gguf') },
      }),
    });
    expect(created.status).toBe(201);
    expect(((await created.json()) as Instance).options.command_override).toBeUndefined();
    expect((await s.api('/api/v1/instances/first/start', { method: 'POST' })).status).toBe(200);
    await expect
      .poll(
        async () => ((await (await s.api('/api/v1/instances/first')).json()) as Instance).health,
        {
          timeout: 15_000,
        },
      )
      .toBe('ready');
    const inst = (await (await s.api('/api/v1/instances/first')).json()) as Instance;
    const state = await (
      await fetch(`http://127.0.0.1:${inst.options.backend_options!.port}/fake/state`)
    ).json();
    // the bundled libraries' folder is on the library path of the spawned server
    expect(String(state.env.FAKE_LIBRARY_PATH).split(':')[0]).toBe(dirname(server));
    const logs = await (await s.api('/api/v1/instances/first/logs')).text();
    expect(logs).toContain(server);
    expect((await s.api('/api/v1/instances/first/stop', { method: 'POST' })).status).toBe(200);
  });

  it.each([
    [
      'b1238',
      /checksum mismatch for llama-b1238-bin-ubuntu-x64\.tar\.gz: the release lists sha256:[0-9a-f]{64}, the download is sha256:[0-9a-f]{64}; nothing was unpacked/,
    ],
    [
      'b1237',
      /cannot unpack llama-b1237-bin-ubuntu-x64\.tar\.gz: the archive is damaged or incomplete/,
    ],
    [
      'b1236',
      /cannot unpack .*: entry "llama-b1236\/\.\.\/\.\.\/escaped\.txt" leads out of the folder \(\.\.\)/,
    ],
    [
      'b1235',
      /cannot unpack .*: entry "llama-b1235\/passwd" links to "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd", outside the folder/,
    ],
    ['b1234', /has no sha256 digest in the release listing, so it cannot be verified/],
    ['b1233', /download of llama-b1233-bin-ubuntu-x64\.tar\.gz failed after \d+ of \d+ bytes/],
  ])(
    'fails the install of %s with a clear reason and leaves nothing behind',
    async (tag, reason) => {
      const job = await installAndWait({ version: tag });
      expect(job.status).toBe('failed');
      expect(job.error).toMatch(reason);
      expectNothingLeftFor(tag);
      expect(existsSync(join(s.dataDir, 'escaped.txt'))).toBe(false);
      expect(existsSync(join(s.dataDir, 'runtimes', 'escaped.txt'))).toBe(false);
      // the default stays the working build
      const list = (await (await s.api('/api/v1/runtimes')).json()) as RuntimesResponse;
      expect(list.default.command).toContain(join('b1240', 'cpu'));
    },
  );

  it('refuses bad install requests with the field and the rule', async () => {
    const bad = async (body: Record<string, unknown>, status: number, text: RegExp) => {
      const res = await install(body);
      expect(res.status).toBe(status);
      expect(((await res.json()) as { details: string }).details).toMatch(text);
    };
    await bad({ version: 'v1.0' }, 400, /version: must be "latest" or a release tag/);
    await bad(
      { version: 'latest', variant: 'rocm' },
      400,
      /variant: must be one of cpu, vulkan, cuda, metal/,
    );
    await bad(
      { version: 'latest', variant: 'cuda' },
      404,
      /has no cuda build for linux x64 \(offered here: vulkan, cpu\)/,
    );
    await bad({ version: 'b9999' }, 404, /no such llama.cpp release/);
    await bad({ version: 'b1240' }, 409, /already installed/);
  });

  it('switches the default between installed builds, and removing the default clears it', async () => {
    const older = join(root(), 'b1239', 'cpu', 'build', 'bin', 'llama-server');
    const put = await s.api('/api/v1/runtimes/llama-cpp/default', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ path: older }),
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ command: older, source: 'settings', path: older });
    const notExe = await s.api('/api/v1/runtimes/llama-cpp/default', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ path: join(root(), 'b1239', 'cpu', 'runtime.json') }),
    });
    expect(notExe.status).toBe(400);

    expect((await s.api('/api/v1/runtimes/llama-cpp/b1240', { method: 'DELETE' })).status).toBe(
      204,
    );
    expect(existsSync(join(root(), 'b1240'))).toBe(false);
    expect((await s.api('/api/v1/runtimes/llama-cpp/b1239', { method: 'DELETE' })).status).toBe(
      204,
    );
    const list = (await (await s.api('/api/v1/runtimes')).json()) as RuntimesResponse;
    expect(list.default).toMatchObject({ command: 'llama-server', source: 'default' });
    expect(list.runtimes.some((r) => r.sources.includes('app'))).toBe(false);
    expect((await s.api('/api/v1/runtimes/llama-cpp/b1239', { method: 'DELETE' })).status).toBe(
      404,
    );
    expect((await s.api('/api/v1/runtimes/llama-cpp/latest', { method: 'DELETE' })).status).toBe(
      400,
    );
  });
});
