import type { Logger } from '../logger';

/** What quitting has to do, in order. Each step is bounded by one overall deadline. */
export interface QuitSteps {
  /** graceful stop of every local instance (SIGTERM, wait, SIGKILL inside the manager) */
  stopInstances(timeoutMs: number): Promise<void>;
  closeServer(): Promise<void>;
  closeServices(): Promise<void>;
  exit(code: number): void;
}

export interface QuitTiming {
  /** time given to the instance manager for its SIGTERM -> SIGKILL sequence */
  instanceStopMs: number;
  /** hard deadline for the whole sequence; the app exits when it passes, whatever is pending */
  deadlineMs: number;
}

/**
 * The instance manager gets most of the deadline; the remainder covers closing the server and
 * the database, and the SIGKILL stage inside the manager. An instance still alive after the
 * deadline is in `instance_processes` and is reaped at the next start.
 */
export const DEFAULT_QUIT_TIMING: QuitTiming = { instanceStopMs: 10_000, deadlineMs: 15_000 };

/**
 * The budget at a system shutdown. On Linux, Electron holds a logind "delay" inhibitor lock
 * while the app handles powerMonitor's 'shutdown' (shell/browser/lib/power_observer_linux.cc),
 * and logind waits at most InhibitDelayMaxSec for it, 5 s by default (logind.conf(5)); after
 * that the shutdown goes on and the session's processes are killed. The instances get 3 s
 * (SIGTERM, then SIGKILL), the rest closes the server and the database, all within 4.5 s.
 * Elsewhere the normal timing applies.
 */
export function shutdownQuitTiming(
  platform: NodeJS.Platform,
  base: QuitTiming = DEFAULT_QUIT_TIMING,
): QuitTiming {
  if (platform !== 'linux') return base;
  return {
    instanceStopMs: Math.min(base.instanceStopMs, 3_000),
    deadlineMs: Math.min(base.deadlineMs, 4_500),
  };
}

/**
 * Returns `quit()`: idempotent (menu, tray, Cmd-Q, before-quit, signals and a system shutdown
 * may all fire, several times), stops instances before anything else, and calls `exit` exactly
 * once: with 0 when everything finished, with 1 when the deadline cut the sequence short. The
 * first call's timing (e.g. the shutdown budget) holds for the whole sequence.
 */
export function createQuitSequence(
  steps: QuitSteps,
  log: Logger,
  defaultTiming: QuitTiming = DEFAULT_QUIT_TIMING,
): (timing?: QuitTiming) => Promise<void> {
  let running: Promise<void> | null = null;

  const run = async (timing: QuitTiming) => {
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        resolve('deadline');
      }, timing.deadlineMs);
    });
    const step = async (name: string, work: () => Promise<void>) => {
      if (timedOut) return;
      const outcome = await Promise.race([
        work().then(
          () => 'done' as const,
          (err: unknown) => {
            log.error(`quit: ${name} failed`, {
              error: err instanceof Error ? err.message : String(err),
            });
            return 'done' as const;
          },
        ),
        deadline,
      ]);
      if (outcome === 'deadline')
        log.warn(`quit: deadline of ${timing.deadlineMs} ms passed while ${name}; exiting anyway`);
    };

    log.info('quit: stopping every instance');
    await step('stopping instances', () =>
      steps.stopInstances(Math.min(timing.instanceStopMs, timing.deadlineMs)),
    );
    await step('closing the server', () => steps.closeServer());
    await step('closing services', () => steps.closeServices());
    clearTimeout(timer);
    steps.exit(timedOut ? 1 : 0);
  };

  return (timing) => (running ??= run(timing ?? defaultTiming));
}
