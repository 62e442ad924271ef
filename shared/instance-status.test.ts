import {
  canTransition,
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
});
