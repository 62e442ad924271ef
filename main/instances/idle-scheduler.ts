import { RUNNING_STATES, type InstanceSupervisor } from './supervisor';
import type { Timers } from './timers';

/** When a busy instance's idle stop is tried again (its lock was held by another command). */
export const IDLE_RETRY_MS = 1000;

/**
 * One timer per instance, set to its idle deadline: the end of its last request (or its start)
 * plus `idle_timeout`. Re-planned on every use, readiness change and options change, so an idle
 * instance stops at its deadline instead of at the next periodic check (llamactl checks every
 * `timeout_check_interval` minutes, which made a 1-minute timeout take up to 5.5 minutes).
 * No timer while requests are in flight or the instance is not running.
 */
export class IdleScheduler {
  private readonly timers = new Map<InstanceSupervisor, unknown>();
  private closed = false;

  constructor(
    private readonly clock: Timers,
    /** stops the instance; returns false when it could not now (busy) */
    private readonly stopIdle: (sup: InstanceSupervisor) => boolean,
  ) {}

  /** Plans (or drops) the idle deadline of `sup` from its current state and use. */
  plan(sup: InstanceSupervisor): void {
    this.cancel(sup);
    if (this.closed) return;
    const idleMs = sup.options.idle_timeout * 60_000;
    if (idleMs <= 0 || sup.inFlight > 0 || !RUNNING_STATES.has(sup.state) || sup.deleted) return;
    const delay = Math.max(0, sup.lastUseAt + idleMs - this.clock.now());
    this.timers.set(
      sup,
      this.clock.setTimeout(() => this.due(sup), delay),
    );
  }

  /** Whether an idle deadline is planned for `sup`. */
  has(sup: InstanceSupervisor): boolean {
    return this.timers.has(sup);
  }

  cancel(sup: InstanceSupervisor): void {
    const t = this.timers.get(sup);
    if (t === undefined) return;
    this.clock.clearTimeout(t);
    this.timers.delete(sup);
  }

  close(): void {
    this.closed = true;
    for (const sup of [...this.timers.keys()]) this.cancel(sup);
  }

  private due(sup: InstanceSupervisor): void {
    this.timers.delete(sup);
    const idleMs = sup.options.idle_timeout * 60_000;
    if (idleMs <= 0 || sup.inFlight > 0 || !RUNNING_STATES.has(sup.state)) return;
    // Used again since the plan (a request began and ended): plan from the new use.
    if (this.clock.now() - sup.lastUseAt < idleMs) return this.plan(sup);
    if (this.stopIdle(sup)) return;
    this.timers.set(
      sup,
      this.clock.setTimeout(() => this.due(sup), IDLE_RETRY_MS),
    );
  }
}
