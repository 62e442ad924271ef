import { decideRestart, type RestartPolicyInput } from './restart-policy';

const base: RestartPolicyInput = {
  autoRestart: true,
  maxRestarts: 3,
  restartDelay: 5,
  restarts: 0,
  uptimeMs: 100,
  exitCode: 1,
  signal: null,
  stableRunMs: 60_000,
};

describe('decideRestart', () => {
  it('restarts a crash after restart_delay seconds and counts it', () => {
    expect(decideRestart(base)).toEqual({ action: 'restart', restarts: 1, delayMs: 5000 });
  });

  it('fails once max_restarts automatic restarts have been used, so a loop has 1 + max_restarts starts', () => {
    let restarts = 0;
    let starts = 1;
    for (;;) {
      const d = decideRestart({ ...base, restarts });
      if (d.action !== 'restart') {
        expect(d.action).toBe('fail');
        break;
      }
      restarts = d.restarts;
      starts++;
    }
    expect(starts).toBe(1 + base.maxRestarts);
  });

  it('treats exit code 0 as a stop, not a crash', () => {
    expect(decideRestart({ ...base, exitCode: 0 }).action).toBe('stop');
  });

  it('restarts after a kill by signal', () => {
    expect(decideRestart({ ...base, exitCode: null, signal: 'SIGKILL' }).action).toBe('restart');
  });

  it('fails at once when auto_restart is off', () => {
    expect(decideRestart({ ...base, autoRestart: false })).toMatchObject({
      action: 'fail',
      reason: 'auto_restart is off',
    });
  });

  it('resets the counter after a stable run', () => {
    expect(decideRestart({ ...base, restarts: 3, uptimeMs: 60_000 })).toEqual({
      action: 'restart',
      restarts: 1,
      delayMs: 5000,
    });
    expect(decideRestart({ ...base, restarts: 3, uptimeMs: 59_999 }).action).toBe('fail');
  });

  it('fails at the first crash with max_restarts 0', () => {
    expect(decideRestart({ ...base, maxRestarts: 0 }).action).toBe('fail');
  });
});
