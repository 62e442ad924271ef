import type { Instance } from '../../shared/api/instances';
import type { MemoryEstimateResponse } from '../../shared/api/memory';
import type { TestServer } from '../../main/testing/test-server';
import {
  createInferenceKey,
  json,
  LIGHT_OPTIONS,
  llamaServers,
  makeWorkDir,
  removeWorkDir,
  startRealServer,
  writeTinyModels,
} from './helpers';

// The memory estimate of a start (issue 19 item 5) against what the real llama-server uses: its
// resident memory after loading the tiny model and answering one short chat completion. What is
// resident then is the weights, the KV cache (llama.cpp clears it at start, so every page is
// touched) and the program; the compute buffer is reserved for a full micro-batch over the whole
// context and only touched by long prompts, so it is part of the estimate (the peak) but not of
// this RSS. The margins are the ones docs/observability.md documents, from the figures this test
// prints.

const MIB = 1024 * 1024;

describe('the memory estimate against the real llama-server', () => {
  let server: TestServer;
  let work: string;
  let key: string;
  let tiny: string;

  beforeAll(async () => {
    work = makeWorkDir('memory');
    ({ tiny } = writeTinyModels(work, ['tiny']));
    server = await startRealServer();
    key = await createInferenceKey(server, 'memory');
  });

  afterAll(async () => {
    await server?.close();
    if (work) {
      expect(llamaServers(work)).toEqual([]);
      removeWorkDir(work);
    }
  });

  /** Creates, starts, uses once and measures an instance; stops it again. */
  async function measure(
    name: string,
    extra: Record<string, unknown>,
  ): Promise<{ estimate: number; resident: number; kv: number; rss: number }> {
    const body = JSON.stringify({
      backend_type: 'llama_cpp',
      backend_options: { model: tiny, host: '127.0.0.1', ...LIGHT_OPTIONS, ...extra },
      idle_timeout: 0,
      auto_restart: false,
    });
    const headers = { 'Content-Type': 'application/json' };
    const created = await json<Instance>(
      server.api(`/api/v1/instances/${name}`, { method: 'POST', headers, body }),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const estimate = created.body.memory_estimate_bytes!;
    const parts = (
      await json<MemoryEstimateResponse>(
        server.api('/api/v1/system/memory-estimate', { method: 'POST', headers, body }),
      )
    ).body;
    expect(parts.estimate_bytes).toBe(estimate);
    const b = parts.breakdown!;
    const resident = estimate - b.compute_bytes;
    const chat = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        model: name,
        max_tokens: 8,
        messages: [{ role: 'user', content: 'Hello there' }],
      }),
    });
    expect(chat.status).toBe(200);
    await chat.text();
    let rss = 0;
    await vi.waitFor(
      async () => {
        const inst = (await json<Instance>(server.api(`/api/v1/instances/${name}`))).body;
        rss = inst.resources?.rss_bytes ?? 0;
        expect(rss).toBeGreaterThan(0);
      },
      { timeout: 15_000, interval: 500 },
    );
    await server.api(`/api/v1/instances/${name}/stop`, { method: 'POST' });
    const mib = (n: number) => `${(n / MIB).toFixed(1)} MiB`;
    console.log(
      `memory estimate ${name}: estimate ${mib(estimate)} (without the compute buffer ${mib(resident)}), RSS ${mib(rss)}, ratios ${(estimate / rss).toFixed(2)} and ${(resident / rss).toFixed(2)}`,
    );
    return { estimate, resident, kv: b.kv_cache_bytes, rss };
  }

  it('estimates the tiny model within the documented margin of its resident memory', async () => {
    const { estimate, resident, rss } = await measure('tiny', {});
    // documented in docs/observability.md: weights + KV cache + base within 15 % of the RSS,
    // and the whole estimate (with the compute buffer) above it but by less than half
    expect(resident / rss).toBeGreaterThan(0.85);
    expect(resident / rss).toBeLessThan(1.15);
    expect(estimate).toBeGreaterThanOrEqual(rss);
    expect(estimate / rss).toBeLessThan(1.5);
  });

  it('grows with the KV cache as much as the real one does', async () => {
    const small = await measure('small-cache', { cache_type_k: 'f32', cache_type_v: 'f32' });
    // (64 Ki − 512) tokens × 2 layers × 4 heads × (16 + 16) × 4 bytes: 63.5 MiB more KV cache
    const big = await measure('big-cache', {
      ctx_size: 65_536,
      cache_type_k: 'f32',
      cache_type_v: 'f32',
    });
    const estimated = big.kv - small.kv;
    const measured = big.rss - small.rss;
    console.log(
      `memory estimate growth: KV cache +${(estimated / MIB).toFixed(1)} MiB, RSS +${(measured / MIB).toFixed(1)} MiB`,
    );
    expect(estimated).toBe((65_536 - 512) * 2 * 4 * (16 + 16) * 4);
    // documented in docs/observability.md: the RSS grows by the estimated KV cache, within 15 %
    expect(estimated / measured).toBeGreaterThan(0.85);
    expect(estimated / measured).toBeLessThan(1.15);
    // the reserved compute buffer (its attention mask grows with the context) keeps the whole
    // estimate above what is resident
    expect(big.estimate).toBeGreaterThan(big.rss);
  });
});
