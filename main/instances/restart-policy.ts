/**
 * What to do when a backend exits on its own, as data (pm2-style). llamactl's rule with one fix:
 * a run that stayed up for `stableRunMs` resets the counter, so sporadic crashes of a long-lived
 * instance do not slowly use up `max_restarts`.
 */
export interface RestartPolicyInput {
  autoRestart: boolean;
  maxRestarts: number;
  /** seconds */
  restartDelay: number;
  /** automatic restarts since the last manual start or stable run */
  restarts: number;
  /** how long the process that just exited was up */
  uptimeMs: number;
  exitCode: number | null;
  signal: string | null;
  stableRunMs: number;
}

export type RestartDecision =
  | { action: 'stop'; restarts: number; reason: string }
  | { action: 'fail'; restarts: number; reason: string }
  | { action: 'restart'; restarts: number; delayMs: number };

export const DEFAULT_STABLE_RUN_MS = 60_000;

export function decideRestart(i: RestartPolicyInput): RestartDecision {
  const restarts = i.uptimeMs >= i.stableRunMs ? 0 : i.restarts;
  if (i.exitCode === 0 && i.signal === null) {
    return { action: 'stop', restarts, reason: 'exited with code 0' };
  }
  if (!i.autoRestart) return { action: 'fail', restarts, reason: 'auto_restart is off' };
  if (restarts >= i.maxRestarts) {
    return {
      action: 'fail',
      restarts,
      reason: `gave up after ${restarts} automatic restart${restarts === 1 ? '' : 's'} (max_restarts ${i.maxRestarts})`,
    };
  }
  return { action: 'restart', restarts: restarts + 1, delayMs: Math.max(0, i.restartDelay) * 1000 };
}
