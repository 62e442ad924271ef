import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Instance, InstanceError } from '../../shared/api/instances';
import type { MemoryEstimateResponse } from '../../shared/api/memory';
import { judgeMemory, placeEstimate } from '../models/memory-estimate';
import { instanceNameError } from '../../shared/api/instances';
import { AppError } from '../../shared/errors';
import { STATE_VIEW } from '../../shared/instance-status';
import type { AppConfig } from '../config/schema';
import type { EventBus } from '../events/bus';
import type { Logger } from '../logger';
import type { Db } from '../store/database';
import { Admission } from './admission';
import { DEFAULT_HEALTH_TUNING, type HealthTuning } from './health';
import { LoadSpeed } from './load-speed';
import { estimateInstance, MACHINE_MEMORY, type MemorySource } from './memory';
import { IdleScheduler } from './idle-scheduler';
import { InstanceStore } from './instance-store';
import { InstanceLog, readLog } from './log-file';
import { optionPort, parseInstanceOptions, connectHost, withPort } from './options';
import { PortAllocator } from './ports';
import { reapOrphans } from './reaper';
import { DEFAULT_STABLE_RUN_MS } from './restart-policy';
import {
  errText,
  InstanceSupervisor,
  type Change,
  type StartReason,
  type SupervisorDeps,
} from './supervisor';
import { NODE_TIMERS, type Timers } from './timers';

export interface ManagerTuning {
  health: HealthTuning;
  /** SIGTERM -> SIGKILL grace per stop */
  stopGraceMs: number;
  /** how long a stop waits for in-flight proxied requests to finish (llamactl: 30 s) */
  drainMs: number;
  /** a run at least this long resets the automatic restart counter */
  stableRunMs: number;
  /** grace for leftover processes found at boot */
  reapGraceMs: number;
  /** a state transition outside the table throws (on under Vitest) instead of being refused */
  strictTransitions: boolean;
  /** clock of restart delays and idle deadlines (tests pass ManualTimers) */
  timers: Timers;
}

export const DEFAULT_MANAGER_TUNING: ManagerTuning = {
  health: DEFAULT_HEALTH_TUNING,
  stopGraceMs: 10_000,
  drainMs: 30_000,
  stableRunMs: DEFAULT_STABLE_RUN_MS,
  reapGraceMs: 5_000,
  strictTransitions: process.env.VITEST !== undefined,
  timers: NODE_TIMERS,
};

/**
 * The registry of local instances: CRUD, persistence and events, composing one
 * InstanceSupervisor per instance (state machine, process, restarts), the Admission (limits,
 * eviction) and the IdleScheduler. Commands on one instance are serialised by its lock.
 */
export class InstanceManager {
  private readonly sups = new Map<string, InstanceSupervisor>();
  private readonly pendingCreates = new Set<string>();
  private readonly store: InstanceStore;
  private readonly ports: PortAllocator;
  private readonly admission: Admission;
  private readonly idle: IdleScheduler;
  private readonly tuning: ManagerTuning;
  private readonly deps: SupervisorDeps;
  private closing = false;
  private bootStarts: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: AppConfig,
    db: Db,
    private readonly events: EventBus,
    private readonly log: Logger,
    tuning: Partial<ManagerTuning> = {},
    memory: MemorySource = MACHINE_MEMORY,
  ) {
    this.tuning = {
      ...DEFAULT_MANAGER_TUNING,
      ...tuning,
      health: { ...DEFAULT_HEALTH_TUNING, ...tuning.health },
    };
    this.store = new InstanceStore(db);
    this.ports = new PortAllocator(config.instances.port_range);
    this.admission = new Admission(config, log, () => this.sups.values(), {
      source: memory,
      estimate: (sup) => estimateInstance(sup.options, config),
    });
    this.idle = new IdleScheduler(this.tuning.timers, (sup) => this.stopIdle(sup));
    this.deps = {
      config,
      store: this.store,
      log,
      tuning: this.tuning,
      timers: this.tuning.timers,
      emit: (sup, change) => this.emit(sup, change),
      admit: (sup, spawn) => this.admission.run(sup, spawn),
      closing: () => this.closing,
      touched: (sup) => this.idle.plan(sup),
      loadSpeed: new LoadSpeed(),
    };
  }

  // ---- boot ----------------------------------------------------------------------------------

  async init(): Promise<void> {
    // Leftovers of a server that was killed outright go first, before any port is probed or used.
    const leftovers = this.store.processes();
    if (leftovers.length > 0) {
      const results = await reapOrphans(leftovers, this.tuning.reapGraceMs);
      for (const r of results) {
        if (r.action === 'killed')
          this.log.warn('stopped a leftover backend from a previous run', {
            instance: r.instance,
            pid: r.pid,
          });
        this.store.clearProcess(r.instance);
      }
    }
    const { rows, broken } = this.store.loadAll();
    for (const b of broken) this.log.error('skipping an instance row that cannot be decoded', b);
    const toStart: InstanceSupervisor[] = [];
    for (const row of rows) {
      // Rows of instances that live on another node belong to the node service (main/nodes).
      const nodes = row.options.nodes;
      if (nodes && nodes.length > 0 && !nodes.includes(this.config.local_node)) continue;
      const initial = row.status === 'failed' ? 'failed' : 'stopped';
      const sup = this.newSupervisor(
        row.id,
        row.name,
        row.created,
        row.options,
        initial,
        row.lastError,
      );
      const port = optionPort(row.options);
      if (port !== undefined) {
        try {
          this.ports.reserve(row.name, port);
        } catch (err) {
          this.log.warn('instance port conflicts with another instance', {
            instance: row.name,
            error: String(err),
          });
        }
      }
      this.sups.set(row.name, sup);
      this.writePreset(sup);
      // Persisted `running`/`restarting` means "was running when the server stopped": bring it back.
      const wasRunning = row.status === 'running' || row.status === 'restarting';
      if (wasRunning && row.options.auto_restart) toStart.push(sup);
      else if (row.status !== sup.status) sup.persist();
    }
    for (const sup of this.sups.values()) void this.refreshEstimate(sup);
    // Boot starts run in the background (the API is available meanwhile), one after another.
    this.bootStarts = (async () => {
      for (const sup of toStart) {
        if (this.closing || sup.deleted) return;
        try {
          await sup.withLock(() => sup.startLocked('boot'));
        } catch (err) {
          this.log.error('could not restore instance at boot', {
            instance: sup.name,
            error: errText(err),
          });
          if (sup.deleted || sup.proc || this.closing) continue;
          sup.log.write(`could not restore the instance at server start: ${errText(err)}\n`);
          // A lowered limit is a policy, not a fault: such an instance simply stays stopped. A
          // failed spawn already moved it to `failed`; anything else (a busy port) ends there too.
          const limit =
            err instanceof AppError &&
            (err.code === 'limit_reached' || err.code === 'insufficient_memory');
          if (!limit && sup.state === 'stopped') sup.markFailed();
          sup.persist();
        }
      }
    })();
  }

  /** Resolves when the instances that were running before the last shutdown have been started. */
  whenRestored(): Promise<void> {
    return this.bootStarts;
  }

  // ---- queries -------------------------------------------------------------------------------

  list(): Instance[] {
    return [...this.sups.values()].sort((a, b) => a.id - b.id).map((r) => this.toJSON(r));
  }

  get(name: string): Instance {
    return this.toJSON(this.sup(name));
  }

  find(name: string): Instance | undefined {
    const r = this.sups.get(name);
    return r ? this.toJSON(r) : undefined;
  }

  private sup(name: string): InstanceSupervisor {
    // A stored name passed this check when it was created; skipping it keeps the per-request
    // lookups of the proxy (target, beginRequest) free of regexes and allocations.
    const stored = this.sups.get(name);
    if (stored) return stored;
    const err = instanceNameError(name);
    if (err) throw new AppError('invalid_instance_name', err);
    throw new AppError('instance_not_found', `instance with name ${name} not found`);
  }

  // ---- CRUD ----------------------------------------------------------------------------------

  async create(name: string, body: unknown): Promise<Instance> {
    const err = instanceNameError(name);
    if (err) throw new AppError('invalid_instance_name', err);
    if (this.sups.has(name) || this.pendingCreates.has(name)) {
      throw new AppError('instance_exists', `instance with name ${name} already exists`);
    }
    let options = parseInstanceOptions(body, this.config);
    const max = this.config.instances.max_instances;
    if (max >= 0 && this.sups.size + this.pendingCreates.size >= max) {
      throw new AppError('max_instances_reached', `maximum number of instances (${max}) reached`);
    }
    this.pendingCreates.add(name);
    try {
      const port = await this.ports.allocate(name, optionPort(options));
      options = withPort(options, port);
      const created = Math.floor(Date.now() / 1000);
      let id: number;
      try {
        id = this.store.insert(name, options, created);
      } catch (e) {
        this.ports.release(name, port);
        throw e;
      }
      const sup = this.newSupervisor(id, name, created, options, 'stopped');
      this.sups.set(name, sup);
      this.writePreset(sup);
      await this.refreshEstimate(sup);
      this.emit(sup, 'created');
      return this.toJSON(sup);
    } finally {
      this.pendingCreates.delete(name);
    }
  }

  /**
   * Replaces the options (llamactl semantics) with fixes: an omitted port keeps the current one,
   * the node placement is kept, and an active instance is restarted with the new options (callers
   * waiting for it to become ready wait for the new process).
   */
  async update(name: string, body: unknown): Promise<Instance> {
    const sup = this.sup(name);
    return sup.withLock(async () => {
      let options = parseInstanceOptions(body, this.config);
      if (sup.options.nodes) options = { ...options, nodes: sup.options.nodes };
      else delete options.nodes;
      const oldPort = optionPort(sup.options);
      const wanted = optionPort(options) ?? oldPort;
      const port =
        wanted === oldPort && oldPort !== undefined
          ? oldPort
          : await this.ports.allocate(name, wanted);
      options = withPort(options, port);
      const wasActive = sup.state !== 'stopped' && sup.state !== 'failed';
      if (wasActive) await sup.stopLocked({ persist: false, retry: true });
      if (port !== oldPort) this.ports.release(name, oldPort);
      sup.options = options;
      this.store.updateOptions(name, options);
      this.writePreset(sup);
      await this.refreshEstimate(sup);
      this.emit(sup, 'updated');
      this.idle.plan(sup);
      if (wasActive) await sup.startAfterStop('update');
      return this.toJSON(sup);
    });
  }

  /** Refused while a process runs (409); `restarting` (no process) can be deleted, unlike llamactl. */
  async delete(name: string): Promise<void> {
    const sup = this.sup(name);
    await sup.withLock(async () => {
      if (sup.state !== 'stopped' && sup.state !== 'failed' && sup.state !== 'backoff') {
        throw new AppError(
          'instance_running',
          `instance with name ${name} is still running, stop it before deleting`,
        );
      }
      await sup.stopLocked({ persist: false });
      sup.deleted = true;
      this.idle.cancel(sup);
      this.ports.release(name, optionPort(sup.options));
      this.store.delete(name);
      this.store.clearProcess(name);
      this.sups.delete(name);
      sup.log.close();
      this.events.publish({ type: 'instance', name, change: 'deleted', instance: null });
    });
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /** Returns once the process is spawned (status running, health starting), like llamactl. */
  async start(name: string): Promise<Instance> {
    return this.command(name, (sup) => sup.startLocked('api'));
  }

  /** Also stops an instance waiting for an automatic restart (llamactl ignores those). */
  async stop(name: string): Promise<Instance> {
    const sup = this.sup(name);
    await sup.withLock(() => sup.stopLocked({ persist: true }));
    return this.toJSON(sup);
  }

  async restart(name: string): Promise<Instance> {
    return this.command(name, async (sup) => {
      await sup.stopLocked({ persist: false, retry: true });
      await sup.startAfterStop('api');
    });
  }

  private async command(
    name: string,
    fn: (sup: InstanceSupervisor) => Promise<void>,
  ): Promise<Instance> {
    const sup = this.sup(name);
    this.refuseRemote(sup);
    await sup.withLock(() => fn(sup));
    return this.toJSON(sup);
  }

  /** Readable any time, also before the first start after a server restart (llamactl fails then). */
  async logs(name: string, lines?: number): Promise<string> {
    return readLog(this.sup(name).log.path, lines);
  }

  logFile(name: string): string {
    return this.sup(name).log.path;
  }

  /** Live log output of one instance (for the log stream endpoint); returns an unsubscribe. */
  onLogOutput(name: string, listener: (text: string) => void): () => void {
    const out = this.sup(name).log.output;
    out.on('data', listener);
    return () => out.off('data', listener);
  }

  // ---- used by the proxy ---------------------------------------------------------------------

  async ensureReady(name: string, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const sup = this.sup(name);
    if (sup.state === 'ready' || sup.state === 'unhealthy') return;
    if (this.closing)
      throw new AppError('instance_shutting_down', `instance ${name} is shutting down`);
    this.refuseRemote(sup);
    const t = this.config.instances.on_demand_start_timeout;
    await sup.ensureReady({ signal: opts.signal, timeoutS: t > 0 ? t : 30 });
  }

  target(name: string): { host: string; port: number } {
    const sup = this.sup(name);
    const port = optionPort(sup.options);
    if (port === undefined)
      throw new AppError('instance_not_running', `instance ${name} has no port`);
    return { host: connectHost(sup.options), port };
  }

  beginRequest(name: string): () => void {
    return this.sup(name).beginRequest();
  }

  /**
   * The user's "Stop all instances" (tray, API clients): every local instance that runs, waits
   * for an automatic restart or failed is stopped exactly as `stop(name)` would, so each is
   * persisted `stopped` and can be started again at once. Unlike `shutdown`, the manager stays
   * open. Errors are collected per instance instead of stopping at the first.
   */
  async stopAll(): Promise<{ stopped: string[]; errors: { name: string; error: string }[] }> {
    const names = [...this.sups.values()]
      .filter((sup) => sup.state !== 'stopped')
      .map((sup) => sup.name);
    const results = await Promise.allSettled(names.map((name) => this.stop(name)));
    const stopped: string[] = [];
    const errors: { name: string; error: string }[] = [];
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') stopped.push(names[i]!);
      else errors.push({ name: names[i]!, error: errText(r.reason) });
    });
    return { stopped, errors };
  }

  // ---- shutdown ------------------------------------------------------------------------------

  /**
   * Server shutdown: stops every local process within `timeoutMs` (SIGKILL at the deadline) and
   * refuses new starts from then on. The stored status stays `running`, so these instances come
   * back at the next start, as in llamactl. Not for the user's "Stop all" (see `stopAll`).
   */
  async shutdown(timeoutMs: number): Promise<void> {
    this.closing = true;
    this.idle.close();
    const grace = Math.max(100, Math.min(this.tuning.stopGraceMs, timeoutMs - 1000));
    const work: Promise<unknown>[] = [];
    for (const sup of this.sups.values()) {
      // in memory only: the stored `restarting` brings it back at the next start
      sup.abandonRestart();
      if (sup.proc)
        work.push(sup.stopProcess({ persist: false, retry: false, graceMs: grace, drainMs: 0 }));
    }
    await Promise.all(work);
  }

  async close(): Promise<void> {
    if (!this.closing) await this.shutdown(this.tuning.stopGraceMs + 1000);
    for (const sup of this.sups.values()) sup.log.close();
  }

  /**
   * What an instance with these options would need and whether it fits now (the create dialog):
   * free memory as a start would see it, idle instances that LRU eviction could stop included.
   */
  async memoryEstimate(body: unknown): Promise<MemoryEstimateResponse> {
    const options = parseInstanceOptions(body, this.config);
    const check = this.config.instances.memory_check && !options.skip_memory_check;
    const r = await estimateInstance(options, this.config);
    const { free, evictable } = await this.admission.room(null);
    const gained = evictable.reduce(
      (g, v) => ({
        ram_bytes: g.ram_bytes + v.memoryUse!.ram_bytes,
        vram_bytes: g.vram_bytes + v.memoryUse!.vram_bytes,
      }),
      { ram_bytes: 0, vram_bytes: 0 },
    );
    const room = {
      ram_bytes: free.ram_bytes + gained.ram_bytes,
      vram_bytes: free.vram_bytes === null ? null : free.vram_bytes + gained.vram_bytes,
    };
    const total = (f: { ram_bytes: number; vram_bytes: number | null }) =>
      f.ram_bytes + (f.vram_bytes ?? 0);
    const out: MemoryEstimateResponse = {
      estimate_bytes: null,
      free_bytes: total(room),
      evictable_bytes: gained.ram_bytes + (free.vram_bytes === null ? 0 : gained.vram_bytes),
      verdict: null,
      memory: null,
      breakdown: null,
      context_size: null,
      check_enabled: check,
    };
    if (!r.estimate) return { ...out, reason: r.reason };
    const judged = judgeMemory(placeEstimate(r.estimate, r.options, room), room);
    return {
      ...out,
      estimate_bytes: r.estimate.total_bytes,
      verdict: judged.verdict,
      memory: judged.memory,
      breakdown: r.estimate.breakdown,
      context_size: r.estimate.context_size,
    };
  }

  // ---- internals -----------------------------------------------------------------------------

  /** The estimate shown in the instance JSON; a start computes it afresh. Never throws. */
  private async refreshEstimate(sup: InstanceSupervisor): Promise<void> {
    try {
      sup.memoryEstimate =
        (await estimateInstance(sup.options, this.config)).estimate?.total_bytes ?? null;
    } catch (err) {
      sup.memoryEstimate = null;
      this.log.warn('memory estimate failed', { instance: sup.name, error: errText(err) });
    }
  }

  /** The idle scheduler's stop; false when the instance is busy with another command. */
  private stopIdle(sup: InstanceSupervisor): boolean {
    const release = sup.lock.tryAcquire();
    if (!release) return false;
    this.log.info('stopping idle instance', {
      instance: sup.name,
      idle_timeout: sup.options.idle_timeout,
    });
    sup
      .stopLocked({ persist: true })
      .catch((err: unknown) =>
        this.log.error('idle stop failed', { instance: sup.name, error: errText(err) }),
      )
      .finally(release);
    return true;
  }

  private newSupervisor(
    id: number,
    name: string,
    created: number,
    options: Instance['options'],
    initial: 'stopped' | 'failed',
    lastError: InstanceError | null = null,
  ): InstanceSupervisor {
    const log = new InstanceLog(this.config.instances.logs_dir, name, {
      enabled: this.config.instances.log_rotation_enabled,
      maxSizeMb: this.config.instances.log_rotation_max_size,
      compress: this.config.instances.log_rotation_compress,
      maxBackups: this.config.instances.log_rotation_max_backups,
    });
    return new InstanceSupervisor(id, name, created, options, log, this.deps, initial, lastError);
  }

  private isRemote(sup: InstanceSupervisor): boolean {
    const nodes = sup.options.nodes;
    return !!nodes && nodes.length > 0 && !nodes.includes(this.config.local_node);
  }

  private refuseRemote(sup: InstanceSupervisor): void {
    if (this.isRemote(sup)) {
      throw new AppError(
        'invalid_request',
        `instance ${sup.name} lives on node ${sup.options.nodes?.[0]}; it is managed there`,
      );
    }
  }

  private writePreset(sup: InstanceSupervisor): void {
    if (!sup.options.preset_ini) return;
    try {
      const dir = join(this.config.instances.instances_dir, sup.name);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(join(dir, 'preset.ini'), sup.options.preset_ini, { mode: 0o600 });
    } catch (err) {
      this.log.warn('could not write preset.ini', { instance: sup.name, error: errText(err) });
    }
  }

  private emit(sup: InstanceSupervisor, change: Change): void {
    this.events.publish({ type: 'instance', name: sup.name, change, instance: this.toJSON(sup) });
  }

  private toJSON(sup: InstanceSupervisor): Instance {
    const view = STATE_VIEW[sup.state];
    const out: Instance = {
      id: sup.id,
      name: sup.name,
      status: view.status,
      created: sup.created,
      options: sup.options,
      health: view.health,
      node: this.isRemote(sup) ? sup.options.nodes?.[0] : this.config.local_node,
      restarts: sup.restarts,
      in_flight: sup.inFlight,
      last_exit: sup.lastExit,
      last_error: sup.lastError,
      memory_estimate_bytes: sup.memoryEstimate ?? null,
    };
    if (sup.proc?.pid !== undefined) out.pid = sup.proc.pid;
    if (sup.lastRequestAt !== undefined) out.last_request_at = Math.floor(sup.lastRequestAt / 1000);
    if (sup.storeError !== undefined) out.store_error = sup.storeError;
    return out;
  }
}

export type { StartReason };
