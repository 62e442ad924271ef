import type { InstanceResources } from '../../shared/api/instances';
import type { Logger } from '../logger';
import { nvidiaProcessMemory } from './gpu';
import { sampleGroups, type GroupStats } from './process-stats';

/** A running local instance: its backend leads its own process group (pgid = pid). */
export interface SampledProcess {
  name: string;
  pid: number;
}

export interface ResourceSamplerDeps {
  /** the running local instances with their pids */
  running(): SampledProcess[];
  /** called with every fresh sample (the event stream, the tray) */
  onSample?(sample: Map<string, InstanceResources>): void;
  log: Logger;
  /** tests inject these */
  sampleGroups?: typeof sampleGroups;
  gpuMemory?: () => Promise<Map<number, number>>;
  now?: () => number;
  intervalMs?: number;
}

export const SAMPLE_INTERVAL_MS = 2_000;

/**
 * Resources of every running instance, sampled every 2 s only while someone is interested (an
 * event-stream listener, the tray) or on demand when a scrape or a request finds the last
 * sample stale. CPU % is the CPU time the group used between two samples over the wall time
 * between them (100 % = one core).
 */
export class ResourceSampler {
  private demand = 0;
  private timer: NodeJS.Timeout | null = null;
  private latest = new Map<string, InstanceResources>();
  private previous = new Map<string, { pid: number; cpuSeconds: number; at: number }>();
  private lastSampleAt = 0;
  private inFlight: Promise<Map<string, InstanceResources>> | null = null;
  private readonly interval: number;

  constructor(private readonly d: ResourceSamplerDeps) {
    this.interval = d.intervalMs ?? SAMPLE_INTERVAL_MS;
  }

  /** Keeps sampling every 2 s until the returned function is called. */
  acquire(): () => void {
    this.demand++;
    if (this.demand === 1) {
      void this.sample();
      this.timer = setInterval(() => void this.sample(), this.interval);
      this.timer.unref();
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.demand--;
      if (this.demand === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  /** The last sample of an instance, or null when it is not running (or was never sampled). */
  get(name: string): InstanceResources | null {
    return this.latest.get(name) ?? null;
  }

  /** A sample no older than `maxAgeMs` (one is taken if needed). */
  async fresh(maxAgeMs = this.interval): Promise<Map<string, InstanceResources>> {
    if (this.now() - this.lastSampleAt <= maxAgeMs) return this.latest;
    return this.sample();
  }

  /** Takes a sample now; concurrent callers share one. */
  sample(): Promise<Map<string, InstanceResources>> {
    this.inFlight ??= this.take()
      .catch((err: unknown) => {
        this.d.log.warn('could not sample instance resources', { error: String(err) });
        return this.latest;
      })
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.demand = 0;
  }

  private now(): number {
    return (this.d.now ?? Date.now)();
  }

  private async take(): Promise<Map<string, InstanceResources>> {
    const running = this.d.running();
    const at = this.now();
    const [groups, gpu] = await Promise.all([
      (this.d.sampleGroups ?? sampleGroups)(running.map((r) => r.pid)),
      (this.d.gpuMemory ?? nvidiaProcessMemory)().catch(() => new Map<number, number>()),
    ]);
    const next = new Map<string, InstanceResources>();
    const nextPrevious = new Map<string, { pid: number; cpuSeconds: number; at: number }>();
    for (const { name, pid } of running) {
      const g: GroupStats | undefined = groups.get(pid);
      if (!g) continue;
      const before = this.previous.get(name);
      const cpuPercent =
        before && before.pid === pid && at > before.at
          ? Math.max(0, ((g.cpuSeconds - before.cpuSeconds) / ((at - before.at) / 1000)) * 100)
          : null;
      let gpuBytes: number | null = null;
      for (const p of g.pids) {
        const used = gpu.get(p);
        if (used !== undefined) gpuBytes = (gpuBytes ?? 0) + used;
      }
      next.set(name, {
        rss_bytes: g.rssBytes,
        cpu_percent: cpuPercent === null ? null : Math.round(cpuPercent * 10) / 10,
        processes: g.pids.length,
        uptime_seconds: Math.round(g.uptimeSeconds),
        listen_ports: g.listenPorts,
        gpu_memory_bytes: gpuBytes,
        sampled_at: at,
      });
      nextPrevious.set(name, { pid, cpuSeconds: g.cpuSeconds, at });
    }
    this.latest = next;
    this.previous = nextPrevious;
    this.lastSampleAt = at;
    this.d.onSample?.(next);
    return next;
  }
}
