import { clockSeconds, parseProcStat } from './process-stats';

describe('process statistics', () => {
  it('reads /proc/<pid>/stat even when the command name holds spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    const stat = `1234 (llama (server) x) ${fields.join(' ')}`;
    expect(parseProcStat(stat)).toEqual({
      pgrp: 5,
      utime: 14,
      stime: 15,
      starttime: 22,
      rssPages: 24,
    });
    expect(parseProcStat('garbage')).toBeNull();
  });

  it('reads ps times with days, hours and fractions', () => {
    expect(clockSeconds('01:02')).toBe(62);
    expect(clockSeconds('1:00:00')).toBe(3600);
    expect(clockSeconds('2-00:00:10')).toBe(2 * 86_400 + 10);
    expect(clockSeconds('0:01.50')).toBeCloseTo(1.5);
  });
});
