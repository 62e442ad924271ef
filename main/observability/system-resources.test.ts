import { parseVmStat } from './system-resources';

describe('available memory on macOS (vm_stat)', () => {
  it('counts free, inactive, speculative and purgeable pages at the page size', () => {
    const text = [
      'Mach Virtual Memory Statistics: (page size of 16384 bytes)',
      'Pages free:                                7000.',
      'Pages active:                            400000.',
      'Pages inactive:                          300000.',
      'Pages speculative:                         2000.',
      'Pages throttled:                              0.',
      'Pages wired down:                        150000.',
      'Pages purgeable:                          10000.',
      '"Translation faults":                 123456789.',
      'Pages purged:                             55555.',
      'File-backed pages:                       250000.',
    ].join('\n');
    expect(parseVmStat(text)).toBe((7000 + 300000 + 2000 + 10000) * 16384);
  });

  it('is null for output it does not know', () => {
    expect(parseVmStat('vm_stat: command not found')).toBeNull();
    expect(parseVmStat('Mach Virtual Memory Statistics: (page size of 4096 bytes)\n')).toBeNull();
  });
});
