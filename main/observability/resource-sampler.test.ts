import { silentLogger } from '../logger';
import type { GroupStats } from './process-stats';
import { ResourceSampler } from './resource-sampler';

function group(pgid: number, cpuSeconds: number, pids = [pgid]): GroupStats {
  return {
    pgid,
    pids,
    rssBytes: 100 * 2 ** 20,
    cpuSeconds,
    uptimeSeconds: 12.4,
    listenPorts: [8001],
  };
}

function setup() {
  let now = 1_000_000;
  let cpu = 10;
  const samples: Map<string, unknown>[] = [];
  const sampler = new ResourceSampler({
    running: () => [{ name: 'alpha', pid: 42 }],
    sampleGroups: async () => new Map([[42, group(42, cpu, [42, 43])]]),
    gpuMemory: async () => new Map([[43, 512 * 2 ** 20]]),
    now: () => now,
    log: silentLogger,
    onSample: (s) => samples.push(s),
  });
  return {
    sampler,
    samples,
    advance(ms: number, cpuSeconds: number) {
      now += ms;
      cpu += cpuSeconds;
    },
  };
}

describe('the resource sampler', () => {
  it('derives CPU % from the CPU time used between two samples (100 = one core)', async () => {
    const { sampler, advance } = setup();
    await sampler.sample();
    expect(sampler.get('alpha')).toMatchObject({
      rss_bytes: 100 * 2 ** 20,
      cpu_percent: null,
      processes: 2,
      uptime_seconds: 12,
      listen_ports: [8001],
      gpu_memory_bytes: 512 * 2 ** 20,
    });
    advance(2000, 3); // 3 s of CPU in 2 s of wall time: one and a half cores
    await sampler.sample();
    expect(sampler.get('alpha')?.cpu_percent).toBe(150);
    expect(sampler.get('beta')).toBeNull();
  });

  it('samples every 2 s only while someone holds it', async () => {
    vi.useFakeTimers();
    try {
      const { sampler, samples } = setup();
      await vi.advanceTimersByTimeAsync(10_000);
      expect(samples).toHaveLength(0);
      const release = sampler.acquire();
      const release2 = sampler.acquire();
      await vi.advanceTimersByTimeAsync(4_000);
      expect(samples).toHaveLength(3); // at once, then at 2 s and 4 s
      release();
      await vi.advanceTimersByTimeAsync(2_000);
      expect(samples).toHaveLength(4); // the second holder still wants it
      release2();
      release2(); // twice is harmless
      await vi.advanceTimersByTimeAsync(10_000);
      expect(samples).toHaveLength(4);
    } finally {
      vi.useRealTimers();
    }
  });

  it('answers a recent sample from memory and takes a new one when it is stale', async () => {
    const { sampler, samples, advance } = setup();
    await sampler.fresh();
    await sampler.fresh();
    expect(samples).toHaveLength(1);
    advance(2_500, 1);
    await sampler.fresh();
    expect(samples).toHaveLength(2);
  });
});
