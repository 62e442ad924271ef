import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { LogOutput } from './log-viewer';

const base = { name: 'alpha', version: 1, loading: false, failed: false, follow: true };

describe('the log output shared by the log dialog and the instance page', () => {
  it('colours lines by level and marks search hits', () => {
    render(
      <LogOutput
        {...base}
        lines={['main: loading model', 'error: out of memory', '=== Instance alpha stopped ===']}
        empty={false}
        query="memory"
      />,
    );
    const log = screen.getByRole('log', { name: 'Log output of alpha' });
    const lines = [...log.querySelectorAll('.log-line')];
    expect(lines.map((l) => l.className.trim())).toEqual([
      'log-line',
      'log-line log-error',
      'log-line log-mark',
    ]);
    expect([...log.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['memory']);
  });

  it('says there is no output yet only once loading is over and nothing failed', () => {
    const { rerender } = render(<LogOutput {...base} lines={[]} empty loading />);
    expect(screen.getByText('Loading…')).toBeTruthy();
    rerender(<LogOutput {...base} lines={[]} empty />);
    expect(screen.getByText(/No log output yet/)).toBeTruthy();
    rerender(<LogOutput {...base} lines={[]} empty failed />);
    expect(screen.queryByText(/No log output yet/)).toBeNull();
  });
});
