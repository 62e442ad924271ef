import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InstanceEvent } from '../../shared/api/events';
import type {
  Instance,
  InstanceHealth,
  InstanceOptions,
  InstanceStatus,
} from '../../shared/api/instances';
import { instanceNameError } from '../../shared/api/instances';
import { AppError } from '../../shared/errors';
import { canTransition } from '../../shared/instance-status';
import { buildCommand, healthPath } from '../backends/index';
import { removeDockerContainer } from './docker-cleanup';
import type { AppConfig } from '../config/schema';
import type { EventBus } from '../events/bus';
import type { Logger } from '../logger';
import type { Db } from '../store/database';
import { DEFAULT_HEALTH_TUNING, HealthMonitor, type HealthTuning } from './health';
import { InstanceStore } from './instance-store';
import { InstanceLog, readLog, tailLines } from './log-file';
import { describeExit, describeSpawnError, ManagedProcess, type ExitInfo } from './managed-process';
import { Mutex } from './mutex';
import { connectHost, optionPort, parseInstanceOptions, withPort } from './options';
import { isPortFree, PortAllocator } from './ports';
import { processStartTime, reapOrphans } from './reaper';
import { decideRestart, DEFAULT_STABLE_RUN_MS } from './restart-policy';

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
}

export const DEFAULT_MANAGER_TUNING: ManagerTuning = {
  health: DEFAULT_HEALTH_TUNING,
  stopGraceMs: 10_000,
  drainMs: 30_000,
  stableRunMs: DEFAULT_STABLE_RUN_MS,
  reapGraceMs: 5_000,
};

interface ReadyWaiter {
  resolve: () => void;
  reject: (err: AppError) => void;
}

interface Rec {
  id: number;
  name: string;
  created: number;
  options: InstanceOptions;
  status: InstanceStatus;
  health: InstanceHealth;
  restarts: number;
  proc: ManagedProcess | null;
  monitor: HealthMonitor | null;
  /** ms; undefined until the first proxied request */
  lastRequestAt?: number;
  /** ms; last start or request begin/end, for idle timeout and LRU */
  lastUseAt: number;
  inFlight: number;
  lastExit: Instance['last_exit'];
  restartTimer: NodeJS.Timeout | null;
  lock: Mutex;
  /** shared by concurrent on-demand starts */
  startPromise: Promise<void> | null;
  stopPromise: Promise<void> | null;
  stopRequested: boolean;
  readyWaiters: Set<ReadyWaiter>;
  drainWaiters: Set<() => void>;
  log: InstanceLog;
  deleted: boolean;
  /** docker mode: the container of the current run */
  container?: string;
}

type StartReason = 'api' | 'on-demand' | 'boot' | 'auto-restart' | 'update';

const ACTIVE: ReadonlySet<InstanceStatus> = new Set(['running', 'restarting', 'shutting_down']);

/**
 * Supervises local instances: one record per instance with its process, health monitor, log
 * file and counters; every change is persisted and published on the event bus.
 *
 * Locking: each instance has a mutex for API operations; starts additionally pass through one
 * admission mutex where limits are checked and LRU victims are stopped, so concurrent starts
 * cannot exceed a limit. Eviction only try-locks a victim, so it never waits on another start.
 */
export class InstanceManager {
  private readonly recs = new Map<string, Rec>();
  private readonly pendingCreates = new Set<string>();
  private readonly store: InstanceStore;
  private readonly ports: PortAllocator;
  private readonly admission = new Mutex();
  private readonly tuning: ManagerTuning;
  private idleTimer: NodeJS.Timeout | null = null;
  private closing = false;
  private bootStarts: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: AppConfig,
    db: Db,
    private readonly events: EventBus,
    private readonly log: Logger,
    tuning: Partial<ManagerTuning> = {},
  ) {
    this.tuning = {
      ...DEFAULT_MANAGER_TUNING,
      ...tuning,
      health: { ...DEFAULT_HEALTH_TUNING, ...tuning.health },
    };
    this.store = new InstanceStore(db);
    this.ports = new PortAllocator(config.instances.port_range);
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
    const toStart: Rec[] = [];
    for (const row of rows) {
      // Rows of instances that live on another node belong to the node service (main/nodes).
      const nodes = row.options.nodes;
      if (nodes && nodes.length > 0 && !nodes.includes(this.config.local_node)) continue;
      const rec = this.newRec(row.id, row.name, row.created, row.options);
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
      this.recs.set(row.name, rec);
      this.writePreset(rec);
      // Persisted `running`/`restarting` means "was running when the server stopped": bring it back.
      const wasRunning = row.status === 'running' || row.status === 'restarting';
      if (wasRunning && row.options.auto_restart && !this.isRemote(rec)) toStart.push(rec);
      rec.status = row.status === 'failed' ? 'failed' : 'stopped';
      rec.health = rec.status === 'failed' ? 'failed' : 'stopped';
      if (!wasRunning || !row.options.auto_restart) {
        if (row.status !== rec.status) this.store.updateStatus(rec.name, rec.status);
      }
    }
    const minutes = this.config.instances.timeout_check_interval;
    this.idleTimer = setInterval(() => this.checkIdle(), Math.max(50, minutes * 60_000));
    this.idleTimer.unref();
    // Boot starts run in the background (the API is available meanwhile), one after another.
    this.bootStarts = (async () => {
      for (const rec of toStart) {
        if (this.closing || rec.deleted) return;
        try {
          await this.withLock(rec, () => this.startLocked(rec, 'boot'));
        } catch (err) {
          this.log.error('could not restore instance at boot', {
            instance: rec.name,
            error: errText(err),
          });
          if (rec.deleted || rec.proc || this.closing) continue;
          rec.log.write(`could not restore the instance at server start: ${errText(err)}\n`);
          // A lowered limit is a policy, not a fault: such an instance simply stays stopped.
          const status =
            err instanceof AppError && err.code === 'limit_reached' ? 'stopped' : 'failed';
          this.setStatus(rec, status, status);
          this.store.updateStatus(rec.name, status);
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
    return [...this.recs.values()].sort((a, b) => a.id - b.id).map((r) => this.toJSON(r));
  }

  get(name: string): Instance {
    return this.toJSON(this.rec(name));
  }

  find(name: string): Instance | undefined {
    const r = this.recs.get(name);
    return r ? this.toJSON(r) : undefined;
  }

  private rec(name: string): Rec {
    // A stored name passed this check when it was created; skipping it keeps the per-request
    // lookups of the proxy (target, beginRequest) free of regexes and allocations.
    const stored = this.recs.get(name);
    if (stored) return stored;
    const err = instanceNameError(name);
    if (err) throw new AppError('invalid_instance_name', err);
    throw new AppError('instance_not_found', `instance with name ${name} not found`);
  }

  // ---- CRUD ----------------------------------------------------------------------------------

  async create(name: string, body: unknown): Promise<Instance> {
    const err = instanceNameError(name);
    if (err) throw new AppError('invalid_instance_name', err);
    if (this.recs.has(name) || this.pendingCreates.has(name)) {
      throw new AppError('instance_exists', `instance with name ${name} already exists`);
    }
    let options = parseInstanceOptions(body, this.config);
    const max = this.config.instances.max_instances;
    if (max >= 0 && this.recs.size + this.pendingCreates.size >= max) {
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
      const rec = this.newRec(id, name, created, options);
      this.recs.set(name, rec);
      this.writePreset(rec);
      this.emit(rec, 'created');
      return this.toJSON(rec);
    } finally {
      this.pendingCreates.delete(name);
    }
  }

  /**
   * Replaces the options (llamactl semantics) with fixes: an omitted port keeps the current one,
   * the node placement is kept, and a running instance is restarted with the new options.
   */
  async update(name: string, body: unknown): Promise<Instance> {
    const rec = this.rec(name);
    return this.withLock(rec, async () => {
      let options = parseInstanceOptions(body, this.config);
      if (rec.options.nodes) options = { ...options, nodes: rec.options.nodes };
      else delete options.nodes;
      const oldPort = optionPort(rec.options);
      const wanted = optionPort(options) ?? oldPort;
      const port =
        wanted === oldPort && oldPort !== undefined
          ? oldPort
          : await this.ports.allocate(name, wanted);
      options = withPort(options, port);
      const wasActive = rec.proc !== null || rec.status === 'restarting';
      if (wasActive) await this.stopLocked(rec, { persist: false });
      if (port !== oldPort) this.ports.release(name, oldPort);
      rec.options = options;
      this.store.updateOptions(name, options);
      this.writePreset(rec);
      this.emit(rec, 'updated');
      if (wasActive) await this.startAfterStop(rec, 'update');
      return this.toJSON(rec);
    });
  }

  /** Refuses running instances (409); `restarting` (no process) can be deleted, unlike llamactl. */
  async delete(name: string): Promise<void> {
    const rec = this.rec(name);
    await this.withLock(rec, async () => {
      if (rec.proc !== null || rec.status === 'running' || rec.status === 'shutting_down') {
        throw new AppError(
          'instance_running',
          `instance with name ${name} is still running, stop it before deleting`,
        );
      }
      this.cancelRestart(rec);
      rec.deleted = true;
      this.ports.release(name, optionPort(rec.options));
      this.store.delete(name);
      this.store.clearProcess(name);
      this.recs.delete(name);
      rec.log.close();
      this.publish({ type: 'instance', name, change: 'deleted', instance: null });
    });
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /** Returns once the process is spawned (status running, health starting), like llamactl. */
  async start(name: string): Promise<Instance> {
    const rec = this.rec(name);
    this.refuseRemote(rec);
    await this.withLock(rec, () => this.startLocked(rec, 'api'));
    return this.toJSON(rec);
  }

  /** Also stops an instance waiting for an automatic restart (llamactl ignores those). */
  async stop(name: string): Promise<Instance> {
    const rec = this.rec(name);
    await this.withLock(rec, () => this.stopLocked(rec, { persist: true }));
    return this.toJSON(rec);
  }

  async restart(name: string): Promise<Instance> {
    const rec = this.rec(name);
    this.refuseRemote(rec);
    await this.withLock(rec, async () => {
      if (rec.proc !== null || rec.status === 'restarting')
        await this.stopLocked(rec, { persist: false });
      await this.startAfterStop(rec, 'api');
    });
    return this.toJSON(rec);
  }

  /** Readable any time, also before the first start after a server restart (llamactl fails then). */
  async logs(name: string, lines?: number): Promise<string> {
    const rec = this.rec(name);
    return readLog(rec.log.path, lines);
  }

  logFile(name: string): string {
    return this.rec(name).log.path;
  }

  /** Live log output of one instance (for the log stream endpoint); returns an unsubscribe. */
  onLogOutput(name: string, listener: (text: string) => void): () => void {
    const out = this.rec(name).log.output;
    out.on('data', listener);
    return () => out.off('data', listener);
  }

  // ---- used by the proxy ---------------------------------------------------------------------

  async ensureReady(name: string, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const rec = this.rec(name);
    if (rec.status === 'running' && (rec.health === 'ready' || rec.health === 'unhealthy')) return;
    if (rec.status === 'shutting_down' || this.closing) {
      throw new AppError('instance_shutting_down', `instance ${name} is shutting down`);
    }
    if (rec.status !== 'running') {
      if (!rec.options.on_demand_start) {
        throw new AppError(
          'instance_not_running',
          `instance ${name} is not running and on-demand start is not enabled`,
        );
      }
      this.refuseRemote(rec);
      rec.startPromise ??= this.withLock(rec, () => this.startLocked(rec, 'on-demand')).finally(
        () => {
          rec.startPromise = null;
        },
      );
      try {
        await rec.startPromise;
      } catch (err) {
        if (
          err instanceof AppError &&
          (err.code === 'limit_reached' || err.code === 'port_unavailable')
        )
          throw err;
        const logTail = err instanceof AppError ? err.logTail : undefined;
        this.log.warn('on-demand start failed', {
          instance: name,
          error: errText(err),
          ...(logTail && { log_tail: logTail }),
        });
        throw new AppError(
          'instance_start_failed',
          `failed to start instance ${name}: ${errText(err)}`,
          { cause: err, logTail },
        );
      }
    }
    await this.waitReady(rec, opts.signal);
  }

  target(name: string): { host: string; port: number } {
    const rec = this.rec(name);
    const port = optionPort(rec.options);
    if (port === undefined)
      throw new AppError('instance_not_running', `instance ${name} has no port`);
    return { host: connectHost(rec.options), port };
  }

  beginRequest(name: string): () => void {
    const rec = this.rec(name);
    const now = Date.now();
    rec.lastRequestAt = now;
    rec.lastUseAt = now;
    rec.inFlight++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      rec.inFlight--;
      // Idle time counts from the end of the last request, so a long stream is not cut short.
      rec.lastUseAt = Date.now();
      if (rec.inFlight === 0) for (const w of [...rec.drainWaiters]) w();
    };
  }

  /**
   * The user's "Stop all instances" (tray, API clients): every local instance that runs, waits
   * for an automatic restart or failed is stopped exactly as `stop(name)` would, so each is
   * persisted `stopped` and can be started again at once. Unlike `shutdown`, the manager stays
   * open. Errors are collected per instance instead of stopping at the first.
   */
  async stopAll(): Promise<{ stopped: string[]; errors: { name: string; error: string }[] }> {
    const names = [...this.recs.values()]
      .filter((rec) => rec.proc !== null || rec.status !== 'stopped')
      .map((rec) => rec.name);
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
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.idleTimer = null;
    const grace = Math.max(100, Math.min(this.tuning.stopGraceMs, timeoutMs - 1000));
    const work: Promise<unknown>[] = [];
    for (const rec of this.recs.values()) {
      if (rec.restartTimer) {
        clearTimeout(rec.restartTimer);
        rec.restartTimer = null;
        // in memory only: the stored `restarting` brings it back at the next start
        if (!rec.proc) this.setStatus(rec, 'stopped', 'stopped');
      }
      if (rec.proc)
        work.push(this.stopProcess(rec, { persist: false, graceMs: grace, drainMs: 0 }));
    }
    await Promise.all(work);
  }

  async close(): Promise<void> {
    if (!this.closing) await this.shutdown(this.tuning.stopGraceMs + 1000);
    for (const rec of this.recs.values()) rec.log.close();
  }

  // ---- internals: start ----------------------------------------------------------------------

  private async withLock<T>(rec: Rec, fn: () => Promise<T>): Promise<T> {
    const release = await rec.lock.acquire();
    try {
      if (rec.deleted)
        throw new AppError('instance_not_found', `instance with name ${rec.name} not found`);
      return await fn();
    } finally {
      release();
    }
  }

  /** Caller holds rec.lock. */
  private async startLocked(rec: Rec, reason: StartReason): Promise<void> {
    if (this.closing) throw new AppError('instance_shutting_down', 'the server is shutting down');
    if (rec.proc !== null && rec.status === 'running') return;
    if (reason !== 'auto-restart') {
      // A request while an automatic restart is pending brings that restart forward and it stays
      // counted (steady traffic must not keep a crash loop going); every other start that is not
      // automatic resets the counter, as in llamactl (an on-demand start of a `failed` one too).
      const expedited = reason === 'on-demand' && rec.status === 'restarting';
      this.cancelRestart(rec);
      if (!expedited) rec.restarts = 0;
    }
    await this.admission.run(async () => {
      await this.admit(rec);
      await this.spawn(rec);
    });
  }

  /** A stop that kept the stored status is followed by a start; if that fails, store the truth. */
  private async startAfterStop(rec: Rec, reason: StartReason): Promise<void> {
    try {
      await this.startLocked(rec, reason);
    } catch (err) {
      if (!rec.proc && !this.closing) this.store.updateStatus(rec.name, rec.status);
      throw err;
    }
  }

  /** Within the admission mutex: make room for `rec` under group_limits and max_running_instances. */
  private async admit(rec: Rec): Promise<void> {
    const cfg = this.config.instances;
    const group = rec.options.group;
    const groupLimit = group !== undefined ? cfg.group_limits[group] : undefined;
    if (groupLimit !== undefined) {
      await this.makeRoom(
        rec,
        groupLimit,
        (r) => r.options.group === group,
        `group_limits.${group}`,
      );
    }
    if (cfg.max_running_instances >= 0) {
      await this.makeRoom(rec, cfg.max_running_instances, () => true, 'max_running_instances');
    }
  }

  private async makeRoom(
    rec: Rec,
    limit: number,
    inScope: (r: Rec) => boolean,
    what: string,
  ): Promise<void> {
    for (;;) {
      const active = [...this.recs.values()].filter(
        (r) => r !== rec && ACTIVE.has(r.status) && inScope(r),
      );
      if (active.length < limit) return;
      if (limit === 0) {
        throw new AppError('limit_reached', `cannot start instance ${rec.name}: ${what} is 0`);
      }
      // An instance already on its way down frees its slot soon: wait for it instead of evicting.
      const leaving = active.filter((r) => r.status === 'shutting_down' && r.stopPromise);
      if (leaving.length > 0) {
        await Promise.race(leaving.map((r) => r.stopPromise));
        continue;
      }
      if (!this.config.instances.enable_lru_eviction) {
        throw new AppError(
          'limit_reached',
          `cannot start instance ${rec.name}: ${what} (${limit}) reached and enable_lru_eviction is off (running: ${active.map((r) => r.name).join(', ')})`,
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
            for: rec.name,
            limit: what,
          });
          await this.stopLocked(victim, { persist: true });
          evicted = true;
        } finally {
          release();
        }
        break;
      }
      if (!evicted) {
        throw new AppError(
          'limit_reached',
          `cannot start instance ${rec.name}: ${what} (${limit}) reached and no running instance can be evicted (${reasons.join('; ') || 'none running'})`,
        );
      }
    }
  }

  /** Within the admission mutex. */
  private async spawn(rec: Rec): Promise<void> {
    const port = optionPort(rec.options);
    if (port !== undefined && !(await isPortFree(port))) {
      throw new AppError(
        'port_unavailable',
        `port ${port} of instance ${rec.name} is in use by another process`,
      );
    }
    let cmd;
    try {
      cmd = buildCommand({ name: rec.name, options: rec.options }, this.config);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError(
        'start_failed',
        `failed to build the command for instance ${rec.name}: ${errText(err)}`,
      );
    }
    if (cmd.container) await removeDockerContainer(cmd.container);
    // Checked right before spawning, with no await in between: once shutdown has begun, no new
    // process can appear behind its back.
    if (this.closing) throw new AppError('instance_shutting_down', 'the server is shutting down');
    try {
      rec.log.check();
    } catch (err) {
      throw new AppError(
        'start_failed',
        `cannot write the log file ${rec.log.path}: ${errText(err)}`,
      );
    }
    rec.container = cmd.container;
    rec.log.writeStartMarker([cmd.command, ...cmd.args]);
    let proc: ManagedProcess;
    try {
      proc = new ManagedProcess({
        command: cmd.command,
        args: cmd.args,
        env: cmd.env,
        onOutput: (chunk) => rec.log.write(chunk),
      });
    } catch (err) {
      // spawn() throws synchronously for arguments it cannot pass (a NUL byte, for one)
      const reason = describeSpawnError(cmd.command, err as NodeJS.ErrnoException);
      rec.log.write(`${reason}\n`);
      rec.log.writeStopMarker('start failed');
      throw new AppError('start_failed', `failed to start instance ${rec.name}: ${reason}`);
    }
    if (proc.pid === undefined) {
      const exit = await proc.exited;
      rec.log.write(`${exit.error ?? describeExit(exit)}\n`);
      rec.log.writeStopMarker('start failed');
      rec.lastExit = { code: exit.code, signal: exit.signal, at: Math.floor(Date.now() / 1000) };
      throw new AppError(
        'start_failed',
        `failed to start instance ${rec.name}: ${exit.error ?? describeExit(exit)}`,
      );
    }
    this.store.recordProcess({
      instance_name: rec.name,
      pid: proc.pid,
      pgid: proc.pid,
      port: port ?? null,
      started_at: proc.startedAt,
      command: [cmd.command, ...cmd.args],
      start_time: processStartTime(proc.pid),
    });
    rec.proc = proc;
    rec.lastUseAt = Date.now();
    this.setStatus(rec, 'running', 'starting');
    this.store.updateStatus(rec.name, 'running');
    void proc.exited.then((exit) => this.onExit(rec, proc, exit));
    if (port !== undefined) {
      rec.monitor = new HealthMonitor(
        {
          host: connectHost(rec.options),
          port,
          path: healthPath(rec.options.backend_type, rec.options.backend_options),
        },
        this.tuning.health,
        (state) => {
          if (rec.proc !== proc || rec.status !== 'running') return;
          this.setHealth(rec, state);
          if (state === 'ready') this.settleReady(rec, null);
        },
      );
      rec.monitor.start();
    }
  }

  private onExit(rec: Rec, proc: ManagedProcess, exit: ExitInfo): void {
    if (rec.proc !== proc) return;
    rec.proc = null;
    rec.monitor?.stop();
    rec.monitor = null;
    if (proc.pid !== undefined) this.store.forgetProcess(rec.name, proc.pid);
    rec.lastExit = { code: exit.code, signal: exit.signal, at: Math.floor(Date.now() / 1000) };
    rec.log.writeStopMarker(rec.stopRequested ? undefined : describeExit(exit));
    if (rec.stopRequested) return;
    const reason = describeExit(exit);
    if (rec.readyWaiters.size > 0) this.settleReady(rec, this.startFailure(rec, reason));
    const decision = decideRestart({
      autoRestart: rec.options.auto_restart,
      maxRestarts: rec.options.max_restarts,
      restartDelay: rec.options.restart_delay,
      restarts: rec.restarts,
      uptimeMs: Date.now() - proc.startedAt,
      exitCode: exit.code,
      signal: exit.signal,
      stableRunMs: this.tuning.stableRunMs,
    });
    rec.restarts = decision.restarts;
    if (this.closing) {
      this.setStatus(rec, 'stopped', 'stopped');
      return;
    }
    if (decision.action === 'stop') {
      this.setStatus(rec, 'stopped', 'stopped');
      this.store.updateStatus(rec.name, 'stopped');
      return;
    }
    if (decision.action === 'fail') {
      this.log.warn('instance failed', { instance: rec.name, exit: reason, why: decision.reason });
      this.setStatus(rec, 'failed', 'failed');
      this.store.updateStatus(rec.name, 'failed');
      return;
    }
    this.log.info('instance exited, restarting', {
      instance: rec.name,
      exit: reason,
      attempt: decision.restarts,
      delayMs: decision.delayMs,
    });
    this.setStatus(rec, 'restarting', 'starting');
    this.store.updateStatus(rec.name, 'restarting');
    this.emit(rec, 'restart');
    rec.restartTimer = setTimeout(() => {
      rec.restartTimer = null;
      void this.autoRestart(rec);
    }, decision.delayMs);
  }

  private async autoRestart(rec: Rec): Promise<void> {
    try {
      await this.withLock(rec, async () => {
        if (rec.status !== 'restarting') return;
        await this.startLocked(rec, 'auto-restart');
      });
    } catch (err) {
      if (rec.deleted || this.closing) return;
      // llamactl leaves the instance in `restarting` forever here.
      this.log.error('automatic restart failed', { instance: rec.name, error: errText(err) });
      rec.log.write(`automatic restart failed: ${errText(err)}\n`);
      if (rec.status === 'restarting') {
        this.setStatus(rec, 'failed', 'failed');
        this.store.updateStatus(rec.name, 'failed');
      }
    }
  }

  private cancelRestart(rec: Rec): void {
    if (rec.restartTimer) {
      clearTimeout(rec.restartTimer);
      rec.restartTimer = null;
    }
  }

  // ---- internals: stop -----------------------------------------------------------------------

  /** Caller holds rec.lock. */
  private async stopLocked(rec: Rec, opts: { persist: boolean }): Promise<void> {
    this.cancelRestart(rec);
    if (rec.proc === null) {
      if (rec.status === 'restarting' || rec.status === 'failed' || rec.status === 'running') {
        this.setStatus(rec, 'stopped', 'stopped');
        if (opts.persist) this.store.updateStatus(rec.name, 'stopped');
      }
      return;
    }
    await this.stopProcess(rec, {
      persist: opts.persist,
      graceMs: this.tuning.stopGraceMs,
      drainMs: this.tuning.drainMs,
    });
  }

  private stopProcess(
    rec: Rec,
    opts: { persist: boolean; graceMs: number; drainMs: number },
  ): Promise<void> {
    if (rec.stopPromise) return rec.stopPromise;
    const proc = rec.proc;
    if (!proc) return Promise.resolve();
    rec.stopRequested = true;
    this.setStatus(rec, 'shutting_down', 'stopped');
    this.settleReady(
      rec,
      new AppError('instance_start_failed', `instance ${rec.name} was stopped while starting`),
    );
    rec.stopPromise = (async () => {
      await this.drain(rec, opts.drainMs);
      const exit = await proc.stop(opts.graceMs);
      if (rec.container && exit.signal === 'SIGKILL') await removeDockerContainer(rec.container);
      // onExit ran (exited resolved) and cleared rec.proc
      rec.stopRequested = false;
      this.setStatus(rec, 'stopped', 'stopped');
      if (opts.persist) this.store.updateStatus(rec.name, 'stopped');
    })().finally(() => {
      rec.stopPromise = null;
    });
    return rec.stopPromise;
  }

  private drain(rec: Rec, drainMs: number): Promise<void> {
    if (rec.inFlight === 0 || drainMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        rec.drainWaiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, drainMs);
      rec.drainWaiters.add(done);
    });
  }

  // ---- internals: idle -----------------------------------------------------------------------

  private checkIdle(): void {
    const now = Date.now();
    for (const rec of this.recs.values()) {
      const idleMs = rec.options.idle_timeout * 60_000;
      if (rec.status !== 'running' || !rec.proc || idleMs <= 0 || rec.inFlight > 0) continue;
      if (now - rec.lastUseAt <= idleMs) continue;
      const release = rec.lock.tryAcquire();
      if (!release) continue;
      this.log.info('stopping idle instance', {
        instance: rec.name,
        idle_timeout: rec.options.idle_timeout,
      });
      void this.stopLocked(rec, { persist: true })
        .catch((err) =>
          this.log.error('idle stop failed', { instance: rec.name, error: errText(err) }),
        )
        .finally(release);
    }
  }

  // ---- internals: readiness ------------------------------------------------------------------

  private waitReady(rec: Rec, signal?: AbortSignal): Promise<void> {
    if (rec.status === 'running' && rec.health === 'ready') return Promise.resolve();
    if (!rec.proc) {
      return Promise.reject(this.startFailure(rec, 'the process is not running'));
    }
    const timeoutS =
      this.config.instances.on_demand_start_timeout > 0
        ? this.config.instances.on_demand_start_timeout
        : 30;
    return new Promise<void>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        rec.readyWaiters.delete(waiter);
      };
      const waiter: ReadyWaiter = {
        resolve: () => {
          cleanup();
          resolve();
        },
        reject: (err) => {
          cleanup();
          reject(err);
        },
      };
      const onAbort = () =>
        waiter.reject(
          new AppError(
            'instance_start_failed',
            `waiting for instance ${rec.name} was aborted by the client`,
          ),
        );
      const timer = setTimeout(
        () =>
          waiter.reject(
            new AppError(
              'instance_start_timeout',
              `timeout waiting for instance ${rec.name} to become healthy after ${timeoutS} seconds`,
              {
                headers: { 'Retry-After': String(Math.max(1, Math.min(timeoutS, 30))) },
              },
            ),
          ),
        timeoutS * 1000,
      );
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      rec.readyWaiters.add(waiter);
    });
  }

  private settleReady(rec: Rec, err: AppError | null): void {
    for (const w of [...rec.readyWaiters]) {
      if (err) w.reject(err);
      else w.resolve();
    }
  }

  /** The reason for every client; the log tail travels separately (see AppError.logTail). */
  private startFailure(rec: Rec, reason: string): AppError {
    let tail = '';
    try {
      tail = tailLines(rec.log.path, 20);
    } catch {
      // no log yet
    }
    return new AppError('instance_start_failed', `instance ${rec.name} ${reason}`, {
      logTail: tail || undefined,
    });
  }

  // ---- internals: misc -----------------------------------------------------------------------

  private newRec(id: number, name: string, created: number, options: InstanceOptions): Rec {
    return {
      id,
      name,
      created,
      options,
      status: 'stopped',
      health: 'stopped',
      restarts: 0,
      proc: null,
      monitor: null,
      lastUseAt: Date.now(),
      inFlight: 0,
      lastExit: null,
      restartTimer: null,
      lock: new Mutex(),
      startPromise: null,
      stopPromise: null,
      stopRequested: false,
      readyWaiters: new Set(),
      drainWaiters: new Set(),
      log: new InstanceLog(this.config.instances.logs_dir, name, {
        enabled: this.config.instances.log_rotation_enabled,
        maxSizeMb: this.config.instances.log_rotation_max_size,
        compress: this.config.instances.log_rotation_compress,
        maxBackups: this.config.instances.log_rotation_max_backups,
      }),
      deleted: false,
    };
  }

  private isRemote(rec: Rec): boolean {
    const nodes = rec.options.nodes;
    return !!nodes && nodes.length > 0 && !nodes.includes(this.config.local_node);
  }

  private refuseRemote(rec: Rec): void {
    if (this.isRemote(rec)) {
      throw new AppError(
        'invalid_request',
        `instance ${rec.name} lives on node ${rec.options.nodes?.[0]}; it is managed there`,
      );
    }
  }

  private writePreset(rec: Rec): void {
    if (!rec.options.preset_ini) return;
    try {
      const dir = join(this.config.instances.instances_dir, rec.name);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(join(dir, 'preset.ini'), rec.options.preset_ini, { mode: 0o600 });
    } catch (err) {
      this.log.warn('could not write preset.ini', { instance: rec.name, error: errText(err) });
    }
  }

  private setStatus(rec: Rec, status: InstanceStatus, health: InstanceHealth): void {
    const statusChanged = rec.status !== status;
    if (statusChanged && !canTransition(rec.status, status)) {
      this.log.debug('unusual status transition', {
        instance: rec.name,
        from: rec.status,
        to: status,
      });
    }
    const healthChanged = rec.health !== health;
    rec.status = status;
    rec.health = health;
    if (statusChanged) this.emit(rec, 'status');
    else if (healthChanged) this.emit(rec, 'health');
  }

  private setHealth(rec: Rec, health: InstanceHealth): void {
    if (rec.health === health) return;
    rec.health = health;
    this.emit(rec, 'health');
  }

  private emit(rec: Rec, change: 'created' | 'updated' | 'status' | 'health' | 'restart'): void {
    this.publish({ type: 'instance', name: rec.name, change, instance: this.toJSON(rec) });
  }

  private publish(event: Omit<InstanceEvent, 'seq' | 'time'>): void {
    this.events.publish(event);
  }

  private toJSON(rec: Rec): Instance {
    const out: Instance = {
      id: rec.id,
      name: rec.name,
      status: rec.status,
      created: rec.created,
      options: rec.options,
      health: rec.health,
      node: this.isRemote(rec) ? rec.options.nodes?.[0] : this.config.local_node,
      restarts: rec.restarts,
      in_flight: rec.inFlight,
      last_exit: rec.lastExit,
    };
    if (rec.proc?.pid !== undefined) out.pid = rec.proc.pid;
    if (rec.lastRequestAt !== undefined) out.last_request_at = Math.floor(rec.lastRequestAt / 1000);
    return out;
  }
}

function errText(err: unknown): string {
  if (err instanceof AppError) return err.details;
  return err instanceof Error ? err.message : String(err);
}
