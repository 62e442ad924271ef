import { LoadSpeed } from './load-speed';

describe('model load speed', () => {
  it('knows nothing until a start was measured', () => {
    expect(new LoadSpeed().remainingSeconds(1e9, 0)).toBeNull();
  });

  it('estimates the remaining load time of a model from the last measured speed', () => {
    const speed = new LoadSpeed();
    speed.record(1e9, 2_000); // 1 GB in 2 s
    expect(speed.remainingSeconds(10e9, 5_000)).toBe(15); // 20 s in all, 5 s gone
    expect(speed.remainingSeconds(null, 0)).toBeNull(); // size unknown
    expect(speed.remainingSeconds(1e9, 60_000)).toBe(1); // overdue: at least 1 s
  });
});
