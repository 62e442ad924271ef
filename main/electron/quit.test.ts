import { silentLogger } from '../logger';
import {
  createQuitSequence,
  DEFAULT_QUIT_TIMING,
  shutdownQuitTiming,
  type QuitSteps,
} from './quit';

function steps(overrides: Partial<QuitSteps> = {}) {
  const order: string[] = [];
  const s: QuitSteps = {
    stopInstances: async (ms) => void order.push(`stopInstances ${ms}`),
    closeServer: async () => void order.push('closeServer'),
    closeServices: async () => void order.push('closeServices'),
    exit: (code) => void order.push(`exit ${code}`),
    ...overrides,
  };
  return { order, s };
}

afterEach(() => vi.useRealTimers());

describe('createQuitSequence', () => {
  it('stops every instance first, then closes the server and services, then exits with 0', async () => {
    const { order, s } = steps();
    await createQuitSequence(s, silentLogger, { instanceStopMs: 5000, deadlineMs: 8000 })();
    expect(order).toEqual(['stopInstances 5000', 'closeServer', 'closeServices', 'exit 0']);
  });

  it('runs once however many quit paths fire', async () => {
    const { order, s } = steps();
    const quit = createQuitSequence(s, silentLogger);
    await Promise.all([quit(), quit(), quit()]);
    await quit();
    expect(order.filter((o) => o.startsWith('stopInstances'))).toHaveLength(1);
    expect(order.filter((o) => o.startsWith('exit'))).toHaveLength(1);
  });

  it('exits when the deadline passes even if stopping the instances hangs', async () => {
    vi.useFakeTimers();
    const { order, s } = steps({ stopInstances: () => new Promise(() => {}) });
    const done = createQuitSequence(s, silentLogger, {
      instanceStopMs: 10_000,
      deadlineMs: 15_000,
    })();
    await vi.advanceTimersByTimeAsync(14_999);
    expect(order).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(order).toEqual(['exit 1']);
  });

  it('never gives the instance manager more time than the deadline', async () => {
    const { order, s } = steps();
    await createQuitSequence(s, silentLogger, { instanceStopMs: 60_000, deadlineMs: 2_000 })();
    expect(order[0]).toBe('stopInstances 2000');
  });

  it('carries on to exit when a step fails', async () => {
    const { order, s } = steps({
      closeServer: async () => {
        throw new Error('boom');
      },
    });
    await createQuitSequence(s, silentLogger)();
    expect(order).toEqual(['stopInstances 10000', 'closeServices', 'exit 0']);
  });
});

describe('the system shutdown budget', () => {
  it("fits logind's 5 s delay lock on Linux and keeps the normal timing elsewhere", () => {
    const linux = shutdownQuitTiming('linux');
    expect(linux.deadlineMs).toBeLessThan(5_000);
    expect(linux.instanceStopMs).toBeLessThan(linux.deadlineMs);
    expect(shutdownQuitTiming('darwin')).toEqual(DEFAULT_QUIT_TIMING);
  });

  it("holds the first caller's budget for the whole sequence", async () => {
    const { order, s } = steps();
    const quit = createQuitSequence(s, silentLogger);
    await Promise.all([quit(shutdownQuitTiming('linux')), quit()]);
    expect(order[0]).toBe('stopInstances 3000');
  });
});
