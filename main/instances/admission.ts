import { AppError } from '../../shared/errors';
import type { AppConfig } from '../config/schema';
import type { Logger } from '../logger';
import { Mutex } from './mutex';
import { ACTIVE_STATES, type InstanceSupervisor } from './supervisor';

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
      const candidates = active.filter((r) => {
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
      });
      candidates.sort((a, b) => a.lastUseAt - b.lastUseAt);
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
