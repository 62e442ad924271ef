import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MemoryEstimateResponse } from '../../shared/api/memory';
import { writeTinyLlamaGguf } from '../../e2e/fixtures/gguf-writer';
import { startTestServer, type TestServer } from '../testing/test-server';
import { memoryText } from './admission';
import type { MemorySource } from './memory';
import { action, createInstance, getInstance, testPortRange } from './test-helpers';

// Memory-aware starts with real (fake-backend) processes and a fake machine: its available
// memory is a total minus the estimates of the instances that run, as the real machine's would
// drop once their models are loaded.

let s: TestServer | undefined;
let dir: string;
let model: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'memory-int-'));
  model = writeTinyLlamaGguf(join(dir, 'tiny.gguf'), { seed: 3 }).path;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await s?.close();
  s = undefined;
});

/** A machine with `total` bytes of memory that the running instances' estimates use up. */
function fakeMachine(total: () => number): MemorySource {
  return {
    free: async () => {
      const used = (s?.services.instances.list() ?? [])
        .filter((i) => i.status === 'running')
        .reduce((sum, i) => sum + (i.memory_estimate_bytes ?? 0), 0);
      return { ram_bytes: total() - used, vram_bytes: null };
    },
  };
}

async function server(
  slot: number,
  total: () => number,
  instances: Record<string, unknown> = {},
  dataDir?: string,
): Promise<TestServer> {
  s = await startTestServer({
    config: { instances: { port_range: testPortRange(slot), ...instances } },
    memory: fakeMachine(total),
    dataDir,
  });
  return s;
}

const tinyBody = (extra: Record<string, unknown> = {}) => ({
  backend_options: { model, ctx_size: 512 },
  ...extra,
});

async function getEstimate(srv: TestServer, body: unknown): Promise<MemoryEstimateResponse> {
  const res = await srv.api('/api/v1/system/memory-estimate', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as MemoryEstimateResponse;
}

async function ready(srv: TestServer, name: string): Promise<void> {
  await vi.waitFor(async () => expect((await getInstance(srv, name)).health).toBe('ready'), {
    timeout: 15_000,
  });
}

describe('memory-aware starts', () => {
  it('shows the estimate in the instance JSON and leaves instances without a GGUF unestimated', async () => {
    const srv = await server(40, () => 64 * 1024 ** 3);
    const tiny = await createInstance(srv, 'tiny', tinyBody());
    expect(tiny.memory_estimate_bytes).toBe(
      (await getEstimate(srv, { backend_type: 'llama_cpp', ...tinyBody() })).estimate_bytes,
    );
    expect(tiny.memory_estimate_bytes).toBeGreaterThan(16 * 1024 ** 2);
    // the fake backend's usual empty model file is no GGUF: no estimate, no check
    const plain = await createInstance(srv, 'plain', {});
    expect(plain.memory_estimate_bytes).toBeNull();
  });

  it('refuses a start that will not fit with 409 insufficient_memory naming both figures', async () => {
    let total = 0;
    const srv = await server(41, () => total);
    const tiny = await createInstance(srv, 'tiny', tinyBody());
    const needed = tiny.memory_estimate_bytes!;
    total = Math.floor(needed / 2);
    const res = await action(srv, 'tiny', 'start');
    expect(res.status).toBe(409);
    const body = await res.json();
    expect(body).toMatchObject({
      error: 'insufficient_memory',
      needed_bytes: needed,
      available_bytes: total,
      memory: 'ram',
      estimate_bytes: needed,
    });
    expect(body.details).toContain(`needs about ${memoryText(needed)}`);
    expect(body.details).toContain(`but ${memoryText(total)} is available`);
    expect((await getInstance(srv, 'tiny')).status).toBe('stopped');
  });

  it('starts it anyway when the instance sets skip_memory_check', async () => {
    const srv = await server(42, () => 1024);
    await createInstance(srv, 'tiny', tinyBody({ skip_memory_check: true }));
    expect((await action(srv, 'tiny', 'start')).status).toBe(200);
    await ready(srv, 'tiny');
  });

  it('starts it anyway when instances.memory_check is false', async () => {
    const srv = await server(43, () => 1024, { memory_check: false });
    await createInstance(srv, 'tiny', tinyBody());
    expect((await action(srv, 'tiny', 'start')).status).toBe(200);
    await ready(srv, 'tiny');
  });

  it('with LRU eviction stops the idle instance and starts the new one', async () => {
    let total = 0;
    const srv = await server(44, () => total);
    const a = await createInstance(srv, 'a', tinyBody());
    await createInstance(srv, 'b', tinyBody());
    // room for one: a fits, b only once a is gone
    total = Math.floor(a.memory_estimate_bytes! * 1.5);
    expect((await action(srv, 'a', 'start')).status).toBe(200);
    await ready(srv, 'a');
    expect((await action(srv, 'b', 'start')).status).toBe(200);
    expect((await getInstance(srv, 'a')).status).toBe('stopped');
    expect((await getInstance(srv, 'b')).status).toBe('running');
  });

  it('never evicts an instance with a request in flight, and says so', async () => {
    let total = 0;
    const srv = await server(45, () => total);
    const a = await createInstance(srv, 'a', tinyBody());
    await createInstance(srv, 'b', tinyBody());
    total = Math.floor(a.memory_estimate_bytes! * 1.5);
    await action(srv, 'a', 'start');
    await ready(srv, 'a');
    const end = srv.services.instances.beginRequest('a');
    try {
      const res = await action(srv, 'b', 'start');
      expect(res.status).toBe(409);
      const body = await res.json();
      expect(body.error).toBe('insufficient_memory');
      expect(body.details).toContain('a has 1 request(s) in flight');
      expect((await getInstance(srv, 'a')).status).toBe('running');
      expect((await getInstance(srv, 'b')).status).toBe('stopped');
    } finally {
      end();
    }
  });

  it('refuses without evicting when eviction is off', async () => {
    let total = 0;
    const srv = await server(46, () => total, { enable_lru_eviction: false });
    const a = await createInstance(srv, 'a', tinyBody());
    await createInstance(srv, 'b', tinyBody());
    total = Math.floor(a.memory_estimate_bytes! * 1.5);
    await action(srv, 'a', 'start');
    await ready(srv, 'a');
    const res = await action(srv, 'b', 'start');
    expect(res.status).toBe(409);
    expect((await res.json()).details).toContain('enable_lru_eviction is off');
    expect((await getInstance(srv, 'a')).status).toBe('running');
  });

  it('leaves an instance that no longer fits stopped at boot, with the reason, instead of failed', async () => {
    let total = 64 * 1024 ** 3;
    const data = mkdtempSync(join(tmpdir(), 'memory-boot-'));
    try {
      const first = await server(49, () => total, {}, data);
      const tiny = await createInstance(first, 'tiny', tinyBody());
      await action(first, 'tiny', 'start');
      await ready(first, 'tiny');
      await first.close({ keepData: true });
      total = Math.floor(tiny.memory_estimate_bytes! / 2);
      const second = await server(49, () => total, {}, data);
      await second.services.instances.whenRestored();
      const after = await getInstance(second, 'tiny');
      expect(after.status).toBe('stopped');
      expect(after.last_error?.message).toContain('cannot start instance tiny: it needs about');
    } finally {
      await s?.close();
      s = undefined;
      rmSync(data, { recursive: true, force: true });
    }
  });

  it('answers an on-demand start that will not fit in the OpenAI and Anthropic shapes, not to be retried', async () => {
    let total = 0;
    const srv = await server(47, () => total, { failed_start_backoff: 0 });
    const tiny = await createInstance(srv, 'tiny', tinyBody());
    total = Math.floor(tiny.memory_estimate_bytes! / 2);
    const post = (path: string, body: unknown) =>
      srv.api(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const openai = await post('/v1/chat/completions', {
      model: 'tiny',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(openai.status).toBe(409);
    expect(openai.headers.get('x-should-retry')).toBe('false');
    const oBody = await openai.json();
    expect(oBody.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'insufficient_memory',
    });
    expect(oBody.error.message).toContain(`needs about ${memoryText(tiny.memory_estimate_bytes!)}`);
    expect(oBody.error.message).toContain(`but ${memoryText(total)} is available`);
    const anthropic = await post('/v1/messages', {
      model: 'tiny',
      max_tokens: 8,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(anthropic.status).toBe(409);
    expect(anthropic.headers.get('x-should-retry')).toBe('false');
    expect(await anthropic.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error' },
    });
    expect((await getInstance(srv, 'tiny')).status).toBe('stopped');
  });

  it('estimates a draft for the create dialog, counting idle instances eviction could stop', async () => {
    let total = 0;
    const srv = await server(48, () => total);
    const a = await createInstance(srv, 'a', tinyBody());
    const needed = a.memory_estimate_bytes!;
    total = Math.floor(needed * 1.5);
    await action(srv, 'a', 'start');
    await ready(srv, 'a');
    const estimate = (body: unknown) => getEstimate(srv, body);
    const draft = await estimate({ backend_type: 'llama_cpp', ...tinyBody() });
    expect(draft).toMatchObject({
      estimate_bytes: needed,
      free_bytes: total,
      evictable_bytes: needed,
      verdict: 'fits',
      memory: 'ram',
      context_size: 512,
      check_enabled: true,
    });
    expect(draft.breakdown?.kv_cache_bytes).toBe(262_144);
    const bigger = await estimate({
      backend_type: 'llama_cpp',
      backend_options: { model, ctx_size: 512 * 1024 },
    });
    expect(bigger.verdict).toBe('wont_fit');
    const mlx = await estimate({ backend_type: 'mlx_lm', backend_options: { model: 'x/y' } });
    expect(mlx).toMatchObject({ estimate_bytes: null, verdict: null });
    expect(mlx.reason).toContain('mlx_lm');
  });
});
