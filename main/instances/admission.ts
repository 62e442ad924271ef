import { AppError } from '../../shared/errors';
import type { AppConfig } from '../config/schema';
import type { Logger } from '../logger';
import {
  judgeMemory,
  placeEstimate,
  type FreeMemory,
  type MemoryJudgement,
  type MemoryPlacement,
} from '../models/memory-estimate';
import type { InstanceEstimate, MemorySource } from './memory';
import { Mutex } from './mutex';
import { ACTIVE_STATES, type InstanceSupervisor } from './supervisor';

export interface AdmissionMemory {
  source: MemorySource;
  estimate(sup: InstanceSupervisor): Promise<InstanceEstimate>;
}

const MIB = 1024 * 1024;
/** 1.2 GiB, 350 MiB: the figures of memory messages */
export function memoryText(bytes: number): string {
  return bytes >= 1024 * MIB
    ? `${(bytes / (1024 * MIB)).toFixed(1)} GiB`
    : `${Math.ceil(bytes / MIB)} MiB`;
}

/**
 * Every start (API, update, on-demand, automatic restart, boot restore) passes here: one mutex,
 * inside which `group_limits[group]` and then `max_running_instances` are checked against the
 * instances that hold a slot (starting, running, waiting for a restart, stopping) and least
 * recently used ones are evicted to make room. Concurrent starts therefore never exceed a limit.
 * Eviction only try-locks a victim, so it never waits on that instance's own start.
 */
export class Admission {
  private readonly mutex = new Mutex();

  constructor(
    private readonly config: AppConfig,
    private readonly log: Logger,
    private readonly all: () => Iterable<InstanceSupervisor>,
    private readonly memory: AdmissionMemory,
  ) {}

  run(sup: InstanceSupervisor, spawn: () => Promise<void>): Promise<void> {
    return this.mutex.run(async () => {
      await this.admit(sup);
      await spawn();
    });
  }

  private async admit(sup: InstanceSupervisor): Promise<void> {
    const cfg = this.config.instances;
    const group = sup.options.group;
    const groupLimit = group !== undefined ? cfg.group_limits[group] : undefined;
    if (groupLimit !== undefined) {
      await this.makeRoom(
        sup,
        groupLimit,
        (r) => r.options.group === group,
        `group_limits.${group}`,
      );
    }
    if (cfg.max_running_instances >= 0) {
      await this.makeRoom(sup, cfg.max_running_instances, () => true, 'max_running_instances');
    }
    await this.checkMemory(sup);
  }

  /**
   * Free memory for a start: what the machine has available, less what instances still loading
   * will take (they are not in MemAvailable yet), so two starts in a row do not both count the
   * same memory. `evictable` are the instances LRU eviction may stop, least recently used first.
   */
  async room(
    exclude: InstanceSupervisor | null,
    reasons: string[] = [],
  ): Promise<{ free: FreeMemory; evictable: InstanceSupervisor[] }> {
    const measured = await this.memory.source.free();
    const others = [...this.all()].filter((r) => r !== exclude);
    let ram = measured.ram_bytes;
    let vram = measured.vram_bytes;
    for (const r of others) {
      if (r.state !== 'starting' || !r.memoryUse) continue;
      ram -= r.memoryUse.ram_bytes;
      if (vram !== null) vram -= r.memoryUse.vram_bytes;
    }
    const evictable = this.config.instances.enable_lru_eviction
      ? this.evictable(
          others.filter((r) => r.state === 'ready' || r.state === 'unhealthy'),
          reasons,
        ).filter((r) => {
          if (r.memoryUse) return true;
          reasons.push(`${r.name} has no memory estimate`);
          return false;
        })
      : [];
    return {
      free: { ram_bytes: Math.max(0, ram), vram_bytes: vram === null ? null : Math.max(0, vram) },
      evictable,
    };
  }

  /**
   * The memory check of a start (instances.memory_check, the instance's skip_memory_check): a
   * start whose estimate will not fit is refused with 409 `insufficient_memory` naming both
   * figures, unless LRU eviction can stop idle instances (never one with requests in flight)
   * that free enough. The estimate and its placement are kept on the instance either way
   * (its JSON and later evictions use them).
   */
  private async checkMemory(sup: InstanceSupervisor): Promise<void> {
    const r = await this.memory.estimate(sup);
    sup.memoryEstimate = r.estimate?.total_bytes ?? null;
    sup.memoryUse = null;
    if (!r.estimate) return;
    const reasons: string[] = [];
    const { free, evictable } = await this.room(sup, reasons);
    const place = placeEstimate(r.estimate, r.options, free);
    sup.memoryUse = place;
    const enabled = this.config.instances.memory_check && !sup.options.skip_memory_check;
    let judged = judgeMemory(place, free);
    if (!enabled || judged.verdict !== 'wont_fit') return;
    const victims: InstanceSupervisor[] = [];
    const gained: MemoryPlacement = { ram_bytes: 0, vram_bytes: 0 };
    for (const v of evictable) {
      victims.push(v);
      gained.ram_bytes += v.memoryUse!.ram_bytes;
      gained.vram_bytes += v.memoryUse!.vram_bytes;
      const more = plus(free, gained);
      judged = judgeMemory(placeEstimate(r.estimate, r.options, more), more);
      if (judged.verdict !== 'wont_fit') break;
    }
    if (judged.verdict === 'wont_fit') {
      if (!this.config.instances.enable_lru_eviction) reasons.push('enable_lru_eviction is off');
      throw insufficientMemory(sup.name, r, judged, reasons);
    }
    for (const victim of victims) {
      const release = victim.lock.tryAcquire();
      if (!release) {
        throw insufficientMemory(sup.name, r, judged, [
          `${victim.name} became busy before it could be evicted`,
        ]);
      }
      try {
        this.log.info('evicting least recently used instance', {
          instance: victim.name,
          for: sup.name,
          limit: 'memory',
        });
        await victim.stopLocked({ persist: true });
      } finally {
        release();
      }
    }
    sup.memoryUse = placeEstimate(r.estimate, r.options, plus(free, gained));
  }

  /** Instances eviction may stop; why the others may not goes to `reasons`. */
  private evictable(active: InstanceSupervisor[], reasons: string[]): InstanceSupervisor[] {
    return active
      .filter((r) => {
        if (r.inFlight > 0)
          return reasons.push(`${r.name} has ${r.inFlight} request(s) in flight`) && false;
        if (r.options.idle_timeout <= 0)
          return reasons.push(`${r.name} has idle_timeout 0 (never evicted)`) && false;
        // Requests waiting for it to become ready are about to be in flight.
        if (r.readyWaiters.size > 0)
          return reasons.push(`${r.name} has requests waiting for it to become ready`) && false;
        if (r.lock.locked || r.startPromise)
          return reasons.push(`${r.name} is busy starting or changing`) && false;
        return true;
      })
      .sort((a, b) => a.lastUseAt - b.lastUseAt);
  }

  private async makeRoom(
    sup: InstanceSupervisor,
    limit: number,
    inScope: (r: InstanceSupervisor) => boolean,
    what: string,
  ): Promise<void> {
    for (;;) {
      const active = [...this.all()].filter(
        (r) => r !== sup && ACTIVE_STATES.has(r.state) && inScope(r),
      );
      if (active.length < limit) return;
      if (limit === 0) {
        throw new AppError('limit_reached', `cannot start instance ${sup.name}: ${what} is 0`);
      }
      // An instance already on its way down frees its slot soon: wait for it instead of evicting.
      const leaving = active.filter((r) => r.state === 'stopping' && r.stopPromise);
      if (leaving.length > 0) {
        await Promise.race(leaving.map((r) => r.stopPromise));
        continue;
      }
      if (!this.config.instances.enable_lru_eviction) {
        throw new AppError(
          'limit_reached',
          `cannot start instance ${sup.name}: ${what} (${limit}) reached and enable_lru_eviction is off (running: ${active.map((r) => r.name).join(', ')})`,
        );
      }
      const reasons: string[] = [];
      const candidates = this.evictable(active, reasons);
      let evicted = false;
      for (const victim of candidates) {
        const release = victim.lock.tryAcquire();
        if (!release) continue;
        try {
          this.log.info('evicting least recently used instance', {
            instance: victim.name,
            for: sup.name,
            limit: what,
          });
          await victim.stopLocked({ persist: true });
          evicted = true;
        } finally {
          release();
        }
        break;
      }
      if (!evicted) {
        throw new AppError(
          'limit_reached',
          `cannot start instance ${sup.name}: ${what} (${limit}) reached and no running instance can be evicted (${reasons.join('; ') || 'none running'})`,
        );
      }
    }
  }
}

function plus(free: FreeMemory, gained: MemoryPlacement): FreeMemory {
  return {
    ram_bytes: free.ram_bytes + gained.ram_bytes,
    vram_bytes: free.vram_bytes === null ? null : free.vram_bytes + gained.vram_bytes,
  };
}

function insufficientMemory(
  name: string,
  r: Extract<InstanceEstimate, { estimate: object }>,
  judged: MemoryJudgement,
  reasons: string[],
): AppError {
  const b = r.estimate.breakdown;
  const what = judged.memory === 'vram' ? 'GPU memory' : 'memory';
  return new AppError(
    'insufficient_memory',
    `cannot start instance ${name}: it needs about ${memoryText(judged.needed_bytes)} of ${what} but ${memoryText(judged.free_bytes)} is available` +
      ` (estimate ${memoryText(r.estimate.total_bytes)}: weights ${memoryText(b.weights_bytes)}, KV cache ${memoryText(b.kv_cache_bytes)} for a context of ${r.estimate.context_size}, compute ${memoryText(b.compute_bytes)}, base ${memoryText(b.overhead_bytes)})` +
      (reasons.length ? `; nothing more can be evicted: ${reasons.join('; ')}` : '') +
      '; lower ctx_size or the cache types, or set skip_memory_check: true on the instance (instances.memory_check: false for all) to start it anyway',
    {
      fields: {
        needed_bytes: judged.needed_bytes,
        available_bytes: judged.free_bytes,
        memory: judged.memory,
        estimate_bytes: r.estimate.total_bytes,
      },
    },
  );
}
