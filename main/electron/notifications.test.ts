import type { ServerEvent } from '../../shared/api/events';
import type { Instance } from '../../shared/api/instances';
import { NotificationTracker } from './notifications';
import { makeInstance } from './testing/fake-instances';

const ev = (instance: Instance): ServerEvent => ({
  type: 'instance',
  name: instance.name,
  change: 'status',
  instance,
  seq: 1,
  time: 0,
});
const job = (j: Record<string, unknown>): ServerEvent => ({ type: 'job', job: j, seq: 1, time: 0 });

describe('NotificationTracker', () => {
  it('notifies once when a running instance crashes and is restarted', () => {
    const t = new NotificationTracker();
    t.seed([makeInstance('a', 'running')]);
    const crashed = makeInstance('a', 'restarting', {
      last_exit: { code: 139, signal: null, at: 1 },
    });
    expect(t.next(ev(crashed))).toEqual({
      title: 'a crashed',
      body: 'The instance exited unexpectedly (exit code 139) and is being restarted.',
    });
    expect(t.next(ev(crashed))).toBeNull();
  });

  it('notifies when an instance fails for good, naming the signal', () => {
    const t = new NotificationTracker();
    t.seed([makeInstance('a', 'restarting')]);
    const n = t.next(
      ev(makeInstance('a', 'failed', { last_exit: { code: null, signal: 'SIGKILL', at: 1 } })),
    );
    expect(n?.title).toBe('a failed');
    expect(n?.body).toContain('signal SIGKILL');
  });

  it('says why an instance failed when the server knows the reason', () => {
    const t = new NotificationTracker();
    t.seed([makeInstance('a', 'stopped')]);
    const n = t.next(
      ev(
        makeInstance('a', 'failed', {
          last_exit: { code: 1, signal: null, at: 1 },
          last_error: { message: 'model file not found: /m/a.gguf', at: 1 },
        }),
      ),
    );
    expect(n).toEqual({
      title: 'a failed',
      body: 'Model file not found: /m/a.gguf. It will not be restarted automatically.',
    });
  });

  it('stays quiet for ordinary starts, stops and health changes', () => {
    const t = new NotificationTracker();
    t.seed([makeInstance('a', 'stopped')]);
    expect(t.next(ev(makeInstance('a', 'running', { health: 'starting' })))).toBeNull();
    expect(t.next(ev(makeInstance('a', 'running')))).toBeNull();
    expect(t.next(ev(makeInstance('a', 'shutting_down')))).toBeNull();
    expect(t.next(ev(makeInstance('a', 'stopped')))).toBeNull();
  });

  it('does not notify for an instance that was already failed when the app started', () => {
    const t = new NotificationTracker();
    t.seed([makeInstance('a', 'failed')]);
    expect(t.next(ev(makeInstance('a', 'failed')))).toBeNull();
  });

  it('notifies once when a download completes and when one fails', () => {
    const t = new NotificationTracker();
    expect(
      t.next(job({ id: 'j1', repo: 'org/model-GGUF', tag: 'Q4_K_M', status: 'downloading' })),
    ).toBeNull();
    expect(
      t.next(job({ id: 'j1', repo: 'org/model-GGUF', tag: 'Q4_K_M', status: 'completed' })),
    ).toEqual({
      title: 'Download complete',
      body: 'org/model-GGUF:Q4_K_M',
    });
    expect(
      t.next(job({ id: 'j1', repo: 'org/model-GGUF', tag: 'Q4_K_M', status: 'completed' })),
    ).toBeNull();
    expect(
      t.next(
        job({
          id: 'j2',
          repo: 'org/other',
          tag: 'main',
          status: 'failed',
          error: 'model not found',
        }),
      ),
    ).toEqual({
      title: 'Download failed',
      body: 'org/other: model not found',
    });
  });

  it('ignores job payloads it does not understand', () => {
    expect(new NotificationTracker().next(job({ nope: true }))).toBeNull();
  });
});
