import {
  canTransition,
  checkTransition,
  InvalidTransitionError,
  INSTANCE_STATES,
  type InstanceState,
  STATE_TRANSITIONS,
  STATE_VIEW,
} from './instance-status';

describe('the instance state table', () => {
  it('shows every state transition as a status change the API already allowed', () => {
    for (const from of INSTANCE_STATES) {
      for (const to of STATE_TRANSITIONS[from]) {
        expect(
          canTransition(STATE_VIEW[from].status, STATE_VIEW[to].status),
          `${from} -> ${to}`,
        ).toBe(true);
      }
    }
  });

  it('lets every state reach stopped, and leaves stopping only to stopped', () => {
    for (const from of INSTANCE_STATES) {
      if (from === 'stopped') continue;
      const seen = new Set<InstanceState>([from]);
      const queue: InstanceState[] = [from];
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        for (const n of STATE_TRANSITIONS[next]) {
          if (seen.has(n)) continue;
          seen.add(n);
          queue.push(n);
        }
      }
      expect(seen.has('stopped'), from).toBe(true);
    }
    expect(STATE_TRANSITIONS.stopping).toEqual(['stopped']);
  });

  it('throws on a transition outside the table in strict mode (tests)', () => {
    const refused = vi.fn();
    expect(() => checkTransition('a', 'stopping', 'starting', { strict: true, refused })).toThrow(
      InvalidTransitionError,
    );
    expect(refused).not.toHaveBeenCalled();
  });

  it('refuses and reports a transition outside the table in production, and allows the table', () => {
    const refused = vi.fn();
    expect(checkTransition('a', 'stopped', 'ready', { strict: false, refused })).toBe(false);
    expect(refused).toHaveBeenCalledWith(
      expect.objectContaining({ message: 'instance a: no transition from stopped to ready' }),
    );
    expect(checkTransition('a', 'starting', 'ready', { strict: false, refused })).toBe(true);
    expect(refused).toHaveBeenCalledTimes(1);
  });
});
