import { AppError } from '../../shared/errors';
import { EventBus } from '../events/bus';
import { StartBackoff } from './start-backoff';

describe('failed on-demand start back-off', () => {
  const failure = new AppError('instance_start_failed', 'instance a exited with code 1');

  it('answers the failure again until its window ends, then lets the next start through', () => {
    let now = 1_000;
    const b = new StartBackoff(
      () => 10,
      undefined,
      () => now,
    );
    expect(b.current('a')).toBeNull();
    b.remember('a', failure);
    expect(b.current('a')).toBe(failure);
    expect(b.current('b')).toBeNull();
    now += 9_999;
    expect(b.current('a')).toBe(failure);
    now += 1;
    expect(b.current('a')).toBeNull();
  });

  it('remembers nothing when the window is 0 (off)', () => {
    const b = new StartBackoff(() => 0);
    b.remember('a', failure);
    expect(b.current('a')).toBeNull();
  });

  it('forgets an instance that reached running by any path, or was deleted', () => {
    const events = new EventBus();
    const b = new StartBackoff(() => 10, events);
    b.remember('a', failure);
    b.remember('b', failure);
    events.publish({
      type: 'instance',
      name: 'a',
      change: 'status',
      instance: { name: 'a', status: 'running' } as never,
    });
    events.publish({ type: 'instance', name: 'b', change: 'deleted', instance: null });
    expect(b.current('a')).toBeNull();
    expect(b.current('b')).toBeNull();
  });
});
