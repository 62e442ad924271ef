import type {
  Instance,
  InstanceError,
  InstanceOptions,
  InstanceStatus,
} from '../../shared/api/instances';
import { AppError } from '../../shared/errors';
import { checkTransition, STATE_VIEW, type InstanceState } from '../../shared/instance-status';
import { buildCommand, healthPath } from '../backends/index';
import type { AppConfig } from '../config/schema';
import type { Logger } from '../logger';
import type { MemoryPlacement } from '../models/memory-estimate';
import { removeDockerContainer } from './docker-cleanup';
import { HealthMonitor, type HealthTuning } from './health';
import { modelFileBytes, type LoadSpeed } from './load-speed';
import type { InstanceStore } from './instance-store';
import { tailLines, type InstanceLog } from './log-file';
import { describeExit, describeSpawnError, ManagedProcess, type ExitInfo } from './managed-process';
import { Mutex } from './mutex';
import { connectHost, optionPort } from './options';
import { isPortFree } from './ports';
import { preflight } from './preflight';
import { processStartTime } from './reaper';
import { decideRestart } from './restart-policy';
import type { Timers } from './timers';

export type StartReason = 'api' | 'on-demand' | 'boot' | 'auto-restart' | 'update';
export type Change = 'created' | 'updated' | 'status' | 'health' | 'restart';

export interface SupervisorTuning {
  health: HealthTuning;
  stopGraceMs: number;
  drainMs: number;
  stableRunMs: number;
  /** a transition outside the table throws (tests) instead of being refused and logged */
  strictTransitions: boolean;
}

export interface SupervisorDeps {
  config: AppConfig;
  store: InstanceStore;
  log: Logger;
  tuning: SupervisorTuning;
  timers: Timers;
  emit(sup: InstanceSupervisor, change: Change): void;
  /** runs `spawn` inside admission (limits, groups, eviction) */
  admit(sup: InstanceSupervisor, spawn: () => Promise<void>): Promise<void>;
  /** the server is shutting down: no new process may appear */
  closing(): boolean;
  /** use, readiness or options changed (the idle scheduler re-plans this instance) */
  touched(sup: InstanceSupervisor): void;
  /** this machine's model load speed, shared by every instance (Retry-After estimates) */
  loadSpeed: LoadSpeed;
}

interface ReadyWaiter {
  resolve: () => void;
  reject: (err: AppError) => void;
}

/** A stop that an update or restart follows: waiting callers try again instead of failing. */
const RETRY = Symbol('retry');
type RetryableError = AppError & { [RETRY]?: true };

export const RUNNING_STATES: ReadonlySet<InstanceState> = new Set([
  'starting',
  'ready',
  'unhealthy',
]);
/** States that hold a slot under max_running_instances and group_limits. */
export const ACTIVE_STATES: ReadonlySet<InstanceState> = new Set([
  'starting',
  'ready',
  'unhealthy',
  'backoff',
  'stopping',
]);

/**
 * One local instance: its state machine, process, readiness, stop and restart policy. Every
 * command decides from the current state (like llama-swap's process); commands are serialised
 * by `lock`, and the state only changes through `to()`, along STATE_TRANSITIONS.
 */
export class InstanceSupervisor {
  private current: InstanceState;
  restarts = 0;
  proc: ManagedProcess | null = null;
  private monitor: HealthMonitor | null = null;
  lastRequestAt?: number;
  /** timers.now() of the last start or request begin/end, for idle timeout and LRU */
  lastUseAt: number;
  inFlight = 0;
  lastExit: Instance['last_exit'] = null;
  /** why the last start failed or the process crashed; shown until the next start or readiness */
  lastError: InstanceError | null;
  /** the current start already recorded its reason (a spawn failure is more precise than its error) */
  private errorRecorded = false;
  /** the last failed database write, shown on the instance until a write succeeds */
  storeError: string | undefined;
  private restartTimer: unknown = null;
  readonly lock = new Mutex();
  /** shared by concurrent on-demand starts */
  startPromise: Promise<void> | null = null;
  stopPromise: Promise<void> | null = null;
  readonly readyWaiters = new Set<ReadyWaiter>();
  private readonly drainWaiters = new Set<() => void>();
  private container: string | undefined;
  deleted = false;
  /** the latest memory estimate (bytes; null: not estimated, undefined: not yet looked at) */
  memoryEstimate: number | null | undefined;
  /** where the current run's estimate was placed (system/GPU memory); null when not estimated */
  memoryUse: MemoryPlacement | null = null;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly created: number,
    public options: InstanceOptions,
    readonly log: InstanceLog,
    private readonly deps: SupervisorDeps,
    initial: 'stopped' | 'failed' = 'stopped',
    lastError: InstanceError | null = null,
  ) {
    this.current = initial;
    this.lastError = lastError;
    this.lastUseAt = deps.timers.now();
  }

  get state(): InstanceState {
    return this.current;
  }

  get status(): InstanceStatus {
    return STATE_VIEW[this.current].status;
  }

  // ---- commands (callers hold `lock` for the *Locked ones) -----------------------------------

  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.lock.run(async () => {
      if (this.deleted)
        throw new AppError('instance_not_found', `instance with name ${this.name} not found`);
      return fn();
    });
  }

  async startLocked(reason: StartReason): Promise<void> {
    if (this.deps.closing())
      throw new AppError('instance_shutting_down', 'the server is shutting down');
    const from = this.current;
    if (RUNNING_STATES.has(from)) return;
    if (from === 'stopping') await this.stopPromise;
    if (reason !== 'auto-restart') {
      // A request while an automatic restart is pending brings that restart forward and it stays
      // counted (steady traffic must not keep a crash loop going); every other start that is not
      // automatic resets the counter, as in llamactl (an on-demand start of a `failed` one too).
      const expedited = reason === 'on-demand' && from === 'backoff';
      this.cancelRestart();
      if (!expedited) this.restarts = 0;
      // a new attempt by a person or a request: the old reason no longer describes the instance
      // (an automatic restart keeps the crash that caused it until it is ready again)
      this.clearError();
    }
    this.errorRecorded = false;
    const before = this.current;
    try {
      await this.deps.admit(this, () => this.spawn());
    } catch (err) {
      const closing =
        this.deps.closing() || (err instanceof AppError && err.code === 'instance_shutting_down');
      if (!closing && !this.errorRecorded) this.recordError(errText(err));
      // The pending restart was cancelled above: `backoff` without a timer would never move.
      if (this.current === 'backoff' && this.restartTimer === null && !this.deps.closing()) {
        this.to('failed');
        this.persist();
      } else if (this.errorRecorded && this.current === before) {
        // refused without a state change (a limit, a busy port, failed again): the reason is the news
        this.deps.emit(this, 'status');
      }
      throw err;
    }
  }

  /** A stop that kept the stored status is followed by a start; if that fails, store the truth. */
  async startAfterStop(reason: StartReason): Promise<void> {
    try {
      await this.startLocked(reason);
    } catch (err) {
      if (!this.proc && !this.deps.closing()) this.persist();
      throw err;
    }
  }

  /**
   * Any state to `stopped`. `persist: false` keeps the stored status (updates, restarts and the
   * server's shutdown bring the instance back); `retry` tells waiting callers a start follows.
   */
  async stopLocked(opts: { persist: boolean; retry?: boolean }): Promise<void> {
    this.cancelRestart();
    switch (this.current) {
      case 'stopped':
        return;
      case 'failed':
      case 'backoff':
        this.to('stopped');
        if (opts.persist) this.persist();
        return;
      case 'stopping':
        await this.stopPromise;
        if (opts.persist) this.persist();
        return;
      default:
        await this.stopProcess({
          persist: opts.persist,
          retry: opts.retry ?? false,
          graceMs: this.deps.tuning.stopGraceMs,
          drainMs: this.deps.tuning.drainMs,
        });
    }
  }

  stopProcess(opts: {
    persist: boolean;
    retry: boolean;
    graceMs: number;
    drainMs: number;
  }): Promise<void> {
    if (this.stopPromise) return this.stopPromise;
    const proc = this.proc;
    if (!proc || !RUNNING_STATES.has(this.current)) return Promise.resolve();
    this.to('stopping');
    const err: RetryableError = new AppError(
      'instance_start_failed',
      `instance ${this.name} was stopped while starting`,
    );
    if (opts.retry) err[RETRY] = true;
    this.settleReady(err);
    this.deps.touched(this);
    this.stopPromise = (async () => {
      await this.drain(opts.drainMs);
      const exit = await proc.stop(opts.graceMs);
      if (this.container && exit.signal === 'SIGKILL') await removeDockerContainer(this.container);
      // onExit ran (exited resolved first) and cleared this.proc
      this.to('stopped');
      if (opts.persist) this.persist();
    })().finally(() => {
      this.stopPromise = null;
    });
    return this.stopPromise;
  }

  /** Boot restore could not start it (a busy port, say): `failed`, as a crash would end. */
  markFailed(): void {
    this.to('failed');
  }

  /** The server's shutdown: a pending restart is dropped in memory (the stored status stays). */
  abandonRestart(): void {
    if (this.current !== 'backoff') return;
    this.cancelRestart();
    this.to('stopped');
  }

  /**
   * On-demand start (the proxy): decided by the state. Ready: at once. Starting: wait. Stopping:
   * wait for the stop, then start. Stopped, failed, waiting for a restart: start (concurrent
   * callers share one start) and wait for readiness. A stop that an update or restart follows
   * makes the caller wait for the new process instead of failing.
   */
  async ensureReady(opts: { signal?: AbortSignal; timeoutS: number }): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.current === 'ready' || this.current === 'unhealthy') return;
      if (this.deps.closing())
        throw new AppError('instance_shutting_down', 'the server is shutting down');
      if (this.current === 'starting') {
        try {
          await this.waitReady(opts);
          return;
        } catch (err) {
          if ((err as RetryableError)[RETRY] && attempt < 5) continue;
          throw err;
        }
      }
      if (!this.options.on_demand_start) {
        if (this.current === 'stopping')
          throw new AppError('instance_shutting_down', `instance ${this.name} is shutting down`);
        throw new AppError(
          'instance_not_running',
          `instance ${this.name} is not running and on-demand start is not enabled`,
        );
      }
      this.startPromise ??= this.withLock(() => this.startLocked('on-demand')).finally(() => {
        this.startPromise = null;
      });
      try {
        await this.startPromise;
      } catch (err) {
        if (
          err instanceof AppError &&
          (err.code === 'limit_reached' ||
            err.code === 'port_unavailable' ||
            err.code === 'insufficient_memory')
        )
          throw err;
        const logTail = err instanceof AppError ? err.logTail : undefined;
        this.deps.log.warn('on-demand start failed', {
          instance: this.name,
          error: errText(err),
          ...(logTail && { log_tail: logTail }),
        });
        throw new AppError(
          'instance_start_failed',
          `failed to start instance ${this.name}: ${errText(err)}`,
          { cause: err, logTail },
        );
      }
      if (attempt >= 5) throw this.startFailure('did not become ready');
    }
  }

  beginRequest(): () => void {
    this.lastRequestAt = Date.now();
    this.lastUseAt = this.deps.timers.now();
    this.inFlight++;
    this.deps.touched(this);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inFlight--;
      // Idle time counts from the end of the last request, so a long stream is not cut short.
      this.lastUseAt = this.deps.timers.now();
      if (this.inFlight === 0) for (const w of [...this.drainWaiters]) w();
      this.deps.touched(this);
    };
  }

  // ---- spawn, exit, restart ------------------------------------------------------------------

  /** Within admission. */
  private async spawn(): Promise<void> {
    const port = optionPort(this.options);
    if (port !== undefined && !(await isPortFree(port))) {
      throw new AppError(
        'port_unavailable',
        `port ${port} of instance ${this.name} is in use by another process`,
      );
    }
    let cmd;
    try {
      cmd = buildCommand({ name: this.name, options: this.options }, this.deps.config);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError(
        'start_failed',
        `failed to build the command for instance ${this.name}: ${errText(err)}`,
      );
    }
    if (cmd.container) await removeDockerContainer(cmd.container);
    // Checked right before spawning, with no await in between: once shutdown has begun, no new
    // process can appear behind its back.
    if (this.deps.closing())
      throw new AppError('instance_shutting_down', 'the server is shutting down');
    try {
      this.log.check();
    } catch (err) {
      throw new AppError(
        'start_failed',
        `cannot write the log file ${this.log.path}: ${errText(err)}`,
      );
    }
    this.container = cmd.container;
    this.log.writeStartMarker([cmd.command, ...cmd.args]);
    // A configuration error (missing executable or model) fails at once and is never retried.
    const problem = preflight(cmd, this.options);
    if (problem) throw this.spawnFailed(problem, null);
    let proc: ManagedProcess;
    try {
      proc = new ManagedProcess({
        command: cmd.command,
        args: cmd.args,
        env: cmd.env,
        onOutput: (chunk) => this.log.write(chunk),
      });
    } catch (err) {
      // spawn() throws synchronously for arguments it cannot pass (a NUL byte, for one)
      throw this.spawnFailed(describeSpawnError(cmd.command, err as NodeJS.ErrnoException), null);
    }
    if (proc.pid === undefined) {
      const exit = await proc.exited;
      throw this.spawnFailed(exit.error ?? describeExit(exit), exit);
    }
    this.guardStore('record the process', () =>
      this.deps.store.recordProcess({
        instance_name: this.name,
        pid: proc.pid!,
        pgid: proc.pid!,
        port: port ?? null,
        started_at: proc.startedAt,
        command: [cmd.command, ...cmd.args],
        start_time: processStartTime(proc.pid!),
      }),
    );
    this.proc = proc;
    this.lastUseAt = this.deps.timers.now();
    this.to('starting');
    this.persist();
    proc.exited
      .then((exit) => this.onExit(proc, exit))
      .catch((err: unknown) =>
        this.deps.log.error('handling a backend exit failed', {
          instance: this.name,
          error: errText(err),
        }),
      );
    if (port !== undefined) {
      this.monitor = new HealthMonitor(
        {
          host: connectHost(this.options),
          port,
          path: healthPath(this.options.backend_type, this.options.backend_options),
        },
        this.deps.tuning.health,
        (report) => {
          if (this.proc !== proc || !RUNNING_STATES.has(this.current)) return;
          if (report === 'ready' && this.current === 'starting') {
            const bytes = modelFileBytes(this.options);
            if (bytes !== null) this.deps.loadSpeed.record(bytes, Date.now() - proc.startedAt);
          }
          // ready again after a crash: the instance recovered, the reason is history
          if (report === 'ready') this.clearError();
          this.to(report);
          if (report === 'ready') this.settleReady(null);
          this.deps.touched(this);
        },
      );
      this.monitor.start();
    }
    this.deps.touched(this);
  }

  /** A start that never got a process: logged, `failed` (a person must change something). */
  private spawnFailed(reason: string, exit: ExitInfo | null): AppError {
    this.log.write(`${reason}\n`);
    this.log.writeStopMarker('start failed');
    if (exit)
      this.lastExit = { code: exit.code, signal: exit.signal, at: Math.floor(Date.now() / 1000) };
    this.recordError(reason);
    this.cancelRestart();
    this.to('failed');
    this.persist();
    return new AppError('start_failed', `failed to start instance ${this.name}: ${reason}`);
  }

  private onExit(proc: ManagedProcess, exit: ExitInfo): void {
    if (this.proc !== proc) return;
    this.proc = null;
    this.monitor?.stop();
    this.monitor = null;
    if (proc.pid !== undefined) {
      const pid = proc.pid;
      this.guardStore('forget the process', () => this.deps.store.forgetProcess(this.name, pid));
    }
    this.lastExit = { code: exit.code, signal: exit.signal, at: Math.floor(Date.now() / 1000) };
    const stopping = this.current === 'stopping';
    // read before the stop marker: the backend's own last words say why (a bad flag, no memory)
    const said = stopping || this.deps.closing() ? undefined : this.lastOutputLine();
    this.log.writeStopMarker(stopping ? undefined : describeExit(exit));
    // A stop in progress finishes the transition itself.
    if (stopping) return;
    const reason = describeExit(exit);
    // exit code 0 is a failed start too while it was never ready (not a server, a bad flag)
    const early = this.current === 'starting';
    const crashed = exit.code !== 0 || exit.signal !== null || early;
    if (crashed && !this.deps.closing()) {
      const what = early && exit.code === 0 ? `${reason} before it was ready` : reason;
      this.recordError(said ? `${what}: ${said}` : what);
    }
    if (this.readyWaiters.size > 0) this.settleReady(this.startFailure(reason));
    const decision = decideRestart({
      autoRestart: this.options.auto_restart,
      maxRestarts: this.options.max_restarts,
      restartDelay: this.options.restart_delay,
      restarts: this.restarts,
      uptimeMs: Date.now() - proc.startedAt,
      exitCode: exit.code,
      signal: exit.signal,
      stableRunMs: this.deps.tuning.stableRunMs,
    });
    this.restarts = decision.restarts;
    this.deps.touched(this);
    if (this.deps.closing()) {
      // in memory only: the stored status brings it back at the next start
      this.to('stopped');
      return;
    }
    if (decision.action === 'stop') {
      this.to('stopped');
      this.persist();
      return;
    }
    if (decision.action === 'fail') {
      this.deps.log.warn('instance failed', {
        instance: this.name,
        exit: reason,
        why: decision.reason,
      });
      this.to('failed');
      this.persist();
      return;
    }
    this.deps.log.info('instance exited, restarting', {
      instance: this.name,
      exit: reason,
      attempt: decision.restarts,
      delayMs: decision.delayMs,
    });
    this.to('backoff');
    this.persist();
    this.deps.emit(this, 'restart');
    this.restartTimer = this.deps.timers.setTimeout(() => {
      this.restartTimer = null;
      void this.autoRestart();
    }, decision.delayMs);
  }

  private async autoRestart(): Promise<void> {
    try {
      await this.withLock(async () => {
        if (this.current !== 'backoff') return;
        await this.startLocked('auto-restart');
      });
    } catch (err) {
      if (this.deleted || this.deps.closing()) return;
      // llamactl leaves the instance in `restarting` forever here.
      this.deps.log.error('automatic restart failed', {
        instance: this.name,
        error: errText(err),
      });
      this.log.write(`automatic restart failed: ${errText(err)}\n`);
      if (this.current === 'backoff') {
        this.to('failed');
        this.persist();
      }
    }
  }

  private cancelRestart(): void {
    if (this.restartTimer !== null) {
      this.deps.timers.clearTimeout(this.restartTimer);
      this.restartTimer = null;
    }
  }

  private drain(drainMs: number): Promise<void> {
    if (this.inFlight === 0 || drainMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.drainWaiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, drainMs);
      this.drainWaiters.add(done);
    });
  }

  // ---- readiness -----------------------------------------------------------------------------

  private waitReady(opts: { signal?: AbortSignal; timeoutS: number }): Promise<void> {
    const { signal, timeoutS } = opts;
    return new Promise<void>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.readyWaiters.delete(waiter);
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
            `waiting for instance ${this.name} was aborted by the client`,
          ),
        );
      const timer = setTimeout(
        () =>
          waiter.reject(
            new AppError(
              'instance_start_timeout',
              `timeout waiting for instance ${this.name} to become healthy after ${timeoutS} seconds`,
              { headers: { 'Retry-After': String(this.retryAfterSeconds(timeoutS)) } },
            ),
          ),
        timeoutS * 1000,
      );
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.readyWaiters.add(waiter);
    });
  }

  /**
   * Retry-After for a start that outlasted the wait: the expected remaining load time (model
   * size over the last measured load speed) where it can be estimated, else the wait itself
   * (at most 30 s).
   */
  private retryAfterSeconds(timeoutS: number): number {
    const started = this.proc?.startedAt;
    const estimate =
      started === undefined
        ? null
        : this.deps.loadSpeed.remainingSeconds(modelFileBytes(this.options), Date.now() - started);
    return estimate ?? Math.max(1, Math.min(timeoutS, 30));
  }

  private settleReady(err: AppError | null): void {
    for (const w of [...this.readyWaiters]) {
      if (err) w.reject(err);
      else w.resolve();
    }
  }

  /** The reason for every client; the log tail travels separately (see AppError.logTail). */
  private startFailure(reason: string): AppError {
    let tail = '';
    try {
      tail = tailLines(this.log.path, 20);
    } catch {
      // no log yet
    }
    return new AppError('instance_start_failed', `instance ${this.name} ${reason}`, {
      logTail: tail || undefined,
    });
  }

  // ---- state and persistence -----------------------------------------------------------------

  /** The only way the state changes: along STATE_TRANSITIONS, each change an event. */
  private to(next: InstanceState): void {
    const from = this.current;
    if (from === next) return;
    const allowed = checkTransition(this.name, from, next, {
      strict: this.deps.tuning.strictTransitions,
      refused: (err) =>
        this.deps.log.error('refused an invalid state transition', {
          instance: this.name,
          from,
          to: next,
          stack: err.stack,
        }),
    });
    if (!allowed) return;
    this.current = next;
    const before = STATE_VIEW[from];
    const after = STATE_VIEW[next];
    if (before.status !== after.status) this.deps.emit(this, 'status');
    else if (before.health !== after.health) this.deps.emit(this, 'health');
    // the idle deadline exists only in running states: every change re-plans (or drops) it
    this.deps.touched(this);
  }

  /** Notes why a start failed (emitted with the next state change), kept in the database too. */
  recordError(message: string): void {
    this.errorRecorded = true;
    this.lastError = { message, at: Math.floor(Date.now() / 1000) };
    const stored = this.lastError;
    this.guardStore('save the start error', () =>
      this.deps.store.updateLastError(this.name, stored),
    );
  }

  private clearError(): void {
    if (this.lastError === null) return;
    this.lastError = null;
    this.guardStore('clear the start error', () =>
      this.deps.store.updateLastError(this.name, null),
    );
  }

  /** The last line the backend wrote before it ended, without our markers (bounded). */
  private lastOutputLine(): string | undefined {
    let tail: string;
    try {
      tail = tailLines(this.log.path, 20);
    } catch {
      return undefined;
    }
    const line = tail
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('=== Instance ') && !l.startsWith('command: '))
      .at(-1);
    if (!line) return undefined;
    return line.length > 300 ? `${line.slice(0, 299)}…` : line;
  }

  /** Stores the status the API shows; a failing database is logged and shown, never fatal. */
  persist(status: InstanceStatus = this.status): void {
    this.guardStore(`save the status ${status}`, () =>
      this.deps.store.updateStatus(this.name, status),
    );
  }

  private guardStore(what: string, write: () => void): void {
    const hadError = this.storeError !== undefined;
    try {
      write();
      this.storeError = undefined;
      if (hadError) this.deps.emit(this, 'status');
    } catch (err) {
      this.storeError = `could not ${what} in the database: ${errText(err)}`;
      this.deps.log.error('database write failed', {
        instance: this.name,
        what,
        error: errText(err),
      });
      this.deps.emit(this, 'status');
    }
  }
}

export function errText(err: unknown): string {
  if (err instanceof AppError) return err.details;
  return err instanceof Error ? err.message : String(err);
}
