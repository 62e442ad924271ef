import type { InstanceHealth, InstanceStatus } from './api/instances';

/**
 * The supervisor's state of one local instance: one value, changed only along
 * STATE_TRANSITIONS. The API's `status` (llamactl's word) and `health` are derived from it.
 *
 * - `stopped`: no process, nothing pending
 * - `starting`: spawned, waiting for the first 2xx of the health URL
 * - `ready` / `unhealthy`: running; health checks pass / failed twice since ready
 * - `stopping`: draining requests, then SIGTERM, SIGKILL after the grace
 * - `backoff`: exited on its own, an automatic restart is scheduled
 * - `failed`: exited on its own and will not be restarted (or could not be restored)
 */
export const INSTANCE_STATES = [
  'stopped',
  'starting',
  'ready',
  'unhealthy',
  'stopping',
  'backoff',
  'failed',
] as const;
export type InstanceState = (typeof INSTANCE_STATES)[number];

export const STATE_TRANSITIONS: Readonly<Record<InstanceState, readonly InstanceState[]>> = {
  // failed: a start at boot restore that could not spawn
  stopped: ['starting', 'failed'],
  // stopped: exit code 0 (or any exit while the server shuts down)
  starting: ['ready', 'stopping', 'backoff', 'failed', 'stopped'],
  ready: ['unhealthy', 'stopping', 'backoff', 'failed', 'stopped'],
  unhealthy: ['ready', 'stopping', 'backoff', 'failed', 'stopped'],
  stopping: ['stopped'],
  // failed: the automatic restart could not spawn
  backoff: ['starting', 'stopped', 'failed'],
  failed: ['starting', 'stopped'],
};

export function canTransitionState(from: InstanceState, to: InstanceState): boolean {
  return STATE_TRANSITIONS[from].includes(to);
}

/** `status` and `health` as the API has always shown them. */
export const STATE_VIEW: Readonly<
  Record<InstanceState, { status: InstanceStatus; health: InstanceHealth }>
> = {
  stopped: { status: 'stopped', health: 'stopped' },
  starting: { status: 'running', health: 'starting' },
  ready: { status: 'running', health: 'ready' },
  unhealthy: { status: 'running', health: 'unhealthy' },
  stopping: { status: 'shutting_down', health: 'stopped' },
  backoff: { status: 'restarting', health: 'starting' },
  failed: { status: 'failed', health: 'failed' },
};

export class InvalidTransitionError extends Error {
  constructor(
    readonly instance: string,
    readonly from: InstanceState,
    readonly to: InstanceState,
  ) {
    super(`instance ${instance}: no transition from ${from} to ${to}`);
    this.name = 'InvalidTransitionError';
  }
}

/**
 * The guard of every state change. A transition in the table: true (apply it). Outside it: a bug,
 * which throws when `strict` (tests) and otherwise is reported and refused (false), so production
 * keeps a consistent state instead of crashing.
 */
export function checkTransition(
  instance: string,
  from: InstanceState,
  to: InstanceState,
  opts: { strict: boolean; refused: (err: InvalidTransitionError) => void },
): boolean {
  if (canTransitionState(from, to)) return true;
  const err = new InvalidTransitionError(instance, from, to);
  if (opts.strict) throw err;
  opts.refused(err);
  return false;
}

/**
 * Status transitions as the API shows them (derived from STATE_TRANSITIONS); the UI and the tray
 * use the helpers below to enable actions.
 */
export const STATUS_TRANSITIONS: Record<InstanceStatus, readonly InstanceStatus[]> = {
  stopped: ['running', 'failed'],
  running: ['shutting_down', 'stopped', 'restarting', 'failed'],
  restarting: ['running', 'stopped', 'failed'],
  failed: ['running', 'stopped'],
  shutting_down: ['stopped'],
};

export function canTransition(from: InstanceStatus, to: InstanceStatus): boolean {
  return from === to || STATUS_TRANSITIONS[from].includes(to);
}

export const canStart = (s: InstanceStatus) =>
  s === 'stopped' || s === 'failed' || s === 'restarting';
export const canStop = (s: InstanceStatus) => s === 'running' || s === 'restarting';
export const canDelete = (s: InstanceStatus) => s !== 'running' && s !== 'shutting_down';
