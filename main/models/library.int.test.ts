import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeHub, tinyGguf } from '../../e2e/fixtures/fake-hub';
import type { LocalModelsResponse, StartersResponse } from '../../shared/api/library';
import type { HardwareInfo } from '../../shared/api/runtimes';
import { maskToken, PROTECTED_TOKEN_FILE } from '../settings/hf-token';
import { TestProtector } from '../testing/test-protector';
import { startTestServer, type TestServer } from '../testing/test-server';
import { starters } from './starters';

let dir: string;
let s: TestServer;
const hub = new FakeHub();
const saved = { ...process.env };
const hardware: HardwareInfo = {
  os: 'linux',
  arch: 'x64',
  memory_bytes: 16 * 1024 ** 3,
  gpus: [],
  recommended_variant: 'cpu',
};

beforeAll(async () => {
  await hub.start();
  dir = mkdtempSync(join(tmpdir(), 'llamactl-library-'));
  const models = join(dir, 'models');
  mkdirSync(join(models, 'vision'), { recursive: true });
  writeFileSync(join(models, 'vision', 'gemma-Q4_K_M.gguf'), tinyGguf({ contextLength: 8192 }));
  writeFileSync(join(models, 'vision', 'mmproj-gemma-F16.gguf'), tinyGguf({ arch: 'clip' }));
  writeFileSync(join(models, 'vision', 'mmproj-gemma-F32.gguf'), tinyGguf({ arch: 'clip' }));
  writeFileSync(join(models, 'big-00001-of-00002.gguf'), tinyGguf({ padding: 100 }));
  writeFileSync(join(models, 'big-00002-of-00002.gguf'), tinyGguf({ padding: 100 }));
  writeFileSync(join(models, 'notes.txt'), 'not a model');
  writeFileSync(join(models, 'broken.gguf'), 'not a gguf at all');
  symlinkSync(models, join(models, 'loop'));
  // a Hugging Face cache: snapshot entries are links into blobs/
  const repo = join(dir, 'hub', 'models--org--Tiny-GGUF');
  mkdirSync(join(repo, 'blobs'), { recursive: true });
  mkdirSync(join(repo, 'snapshots', 'abc'), { recursive: true });
  writeFileSync(join(repo, 'blobs', 'f00d'), tinyGguf({ name: 'tiny' }));
  symlinkSync('../../blobs/f00d', join(repo, 'snapshots', 'abc', 'Tiny-Q8_0.gguf'));

  process.env.HF_HOME = join(dir, 'hf-home');
  process.env.HF_ENDPOINT = hub.url;
  process.env.LLAMA_CACHE = join(dir, 'download-cache');
  delete process.env.HF_TOKEN;
  s = await startTestServer({
    runtimes: { hardware: async () => hardware, wellKnownDirs: [] },
  });
  await putSettings({ models: { folders: [models, join(dir, 'hub'), join(dir, 'missing')] } });
});

async function putSettings(body: unknown): Promise<void> {
  const res = await s.api('/api/v1/settings', {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

afterAll(async () => {
  await s?.close();
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
  process.env = saved;
});

describe('the local model library', () => {
  it('lists GGUF files of every models folder with header facts, split models once and mmproj paired', async () => {
    const res = await s.api('/api/v1/models/local');
    expect(res.status).toBe(200);
    const body = (await res.json()) as LocalModelsResponse;
    expect(body.folders).toEqual([
      { path: join(dir, 'models'), exists: true },
      { path: join(dir, 'hub'), exists: true },
      { path: join(dir, 'missing'), exists: false },
    ]);
    expect(body.models.map((m) => m.name)).toEqual([
      'big-00001-of-00002.gguf',
      'broken.gguf',
      'gemma-Q4_K_M.gguf',
      'Tiny-Q8_0.gguf',
    ]);
    const gemma = body.models.find((m) => m.name === 'gemma-Q4_K_M.gguf')!;
    expect(gemma.mmproj).toBe(join(dir, 'models', 'vision', 'mmproj-gemma-F16.gguf'));
    expect(gemma.gguf).toMatchObject({ architecture: 'llama', context_length: 8192 });
    const big = body.models.find((m) => m.name.startsWith('big'))!;
    expect(big.parts).toBe(2);
    expect(big.size_bytes).toBe(statSync(join(dir, 'models', 'big-00001-of-00002.gguf')).size * 2);
    expect(body.models.find((m) => m.name === 'broken.gguf')!.gguf).toBeUndefined();
    expect(body.models.find((m) => m.name === 'Tiny-Q8_0.gguf')!.repo).toBe('org/Tiny-GGUF');
  });

  it('scans the folders set in Settings at the next request, without a restart', async () => {
    await putSettings({ models: { folders: [join(dir, 'models', 'vision')] } });
    const body = (await (await s.api('/api/v1/models/local')).json()) as LocalModelsResponse;
    expect(body.models.map((m) => m.name)).toEqual(['gemma-Q4_K_M.gguf']);
    await putSettings({});
  });
});

describe('starter models', () => {
  it('marks each starter for this machine, from its size and context', async () => {
    const body = (await (await s.api('/api/v1/models/starters')).json()) as StartersResponse;
    expect(body.version).toBe(1);
    expect(body.memory_kind).toBe('system');
    expect(body.models.map((m) => m.id)).toEqual([
      'qwen3-0.6b',
      'qwen3-1.7b',
      'qwen3-4b',
      'llama-3.2-1b',
      'llama-3.2-3b',
      'gemma-3-1b',
      'gemma-3-4b',
    ]);
    expect(body.models.every((m) => m.fit === 'fits')).toBe(true);

    const small = starters({ ...hardware, memory_bytes: 4 * 1024 ** 3 });
    const fit = Object.fromEntries(small.models.map((m) => [m.id, m.fit]));
    expect(fit['qwen3-0.6b']).toBe('fits');
    expect(fit['qwen3-4b']).toBe('wont_fit');
    expect(small.models.find((m) => m.id === 'qwen3-4b')!.recommended).toBe('Q4_K_M');
  });
});

describe('the Hugging Face token', () => {
  it('is stored where the HF tools keep it, at 0600, shown only masked, and used by downloads', async () => {
    const token = hub.switches.token;
    expect(await (await s.api('/api/v1/settings/hf-token')).json()).toMatchObject({
      set: false,
      source: 'none',
    });
    const put = await s.api('/api/v1/settings/hf-token', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    const text = await put.text();
    expect(put.status).toBe(200);
    expect(text).not.toContain(token);
    expect(JSON.parse(text)).toMatchObject({ set: true, source: 'file', masked: maskToken(token) });
    expect(maskToken(token)).toMatch(/^(hf_)?….{4}$/);
    const file = join(dir, 'hf-home', 'token');
    expect(readFileSync(file, 'utf8')).toBe(token);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    hub.addRepo('org/Private-GGUF', [{ path: 'Private-Q4_K_M.gguf', content: tinyGguf() }], {
      private: true,
    });
    const res = await s.api('/api/v1/models/download', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ repo: 'org/Private-GGUF' }),
    });
    const { job_id } = (await res.json()) as { job_id: string };
    await expect
      .poll(async () => (await (await s.api(`/api/v1/models/jobs/${job_id}`)).json()).status, {
        timeout: 15_000,
      })
      .toBe('completed');

    expect((await s.api('/api/v1/settings/hf-token', { method: 'DELETE' })).status).toBe(200);
    expect(() => statSync(file)).toThrow();
  });

  it('leaves HF_TOKEN in the environment in charge, and says so', async () => {
    process.env.HF_TOKEN = 'hf_fromtheenvironment1234';
    try {
      expect(await (await s.api('/api/v1/settings/hf-token')).json()).toMatchObject({
        set: true,
        source: 'environment',
        masked: 'hf_…1234',
      });
      const put = await s.api('/api/v1/settings/hf-token', {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token: 'hf_other' }),
      });
      expect(put.status).toBe(409);
    } finally {
      delete process.env.HF_TOKEN;
    }
    const bad = await s.api('/api/v1/settings/hf-token', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: 'two words' }),
    });
    expect(bad.status).toBe(400);
  });
});

describe('the Hugging Face token protected with the OS keychain (the desktop app)', () => {
  it('is kept encrypted in the data folder, never in the token file, and used by downloads', async () => {
    const protector = new TestProtector();
    const desk = await startTestServer({ secretProtector: protector });
    try {
      const token = hub.switches.token;
      const file = join(dir, 'hf-home', 'token');
      rmSync(file, { force: true });
      const status = await (await desk.api('/api/v1/settings/hf-token')).json();
      expect(status).toMatchObject({
        set: false,
        storage: 'file',
        keychain: { available: true, label: 'the test keychain' },
      });
      const put = await desk.api('/api/v1/settings/hf-token', {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token, storage: 'keychain' }),
      });
      const text = await put.text();
      expect(put.status).toBe(200);
      expect(text).not.toContain(token);
      expect(JSON.parse(text)).toMatchObject({
        set: true,
        source: 'keychain',
        storage: 'keychain',
      });
      const sealed = join(desk.services.config.data_dir, PROTECTED_TOKEN_FILE);
      expect(statSync(sealed).mode & 0o777).toBe(0o600);
      expect(readFileSync(sealed).includes(Buffer.from(token))).toBe(false);
      expect(() => statSync(file)).toThrow();

      hub.addRepo('org/Sealed-GGUF', [{ path: 'Sealed-Q4_K_M.gguf', content: tinyGguf() }], {
        private: true,
      });
      const res = await desk.api('/api/v1/models/download', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ repo: 'org/Sealed-GGUF' }),
      });
      const { job_id } = (await res.json()) as { job_id: string };
      await expect
        .poll(async () => (await (await desk.api(`/api/v1/models/jobs/${job_id}`)).json()).status, {
          timeout: 15_000,
        })
        .toBe('completed');

      // the keychain entry replaced: a clear error, and a 400 names the bad storage value
      protector.changeKey();
      const after = await (await desk.api('/api/v1/settings/hf-token')).json();
      expect(after).toMatchObject({ set: false, source: 'keychain' });
      expect(after.error).toMatch(/Enter the token again/);
      const bad = await desk.api('/api/v1/settings/hf-token', {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token, storage: 'vault' }),
      });
      expect(bad.status).toBe(400);
      expect((await bad.json()).details).toMatch(/^storage: /);
    } finally {
      await desk.close();
    }
  });
});
