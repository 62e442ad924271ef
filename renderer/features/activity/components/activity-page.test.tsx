import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ActivityRecord } from '../../../../shared/api/activity';
import { useAuthStore } from '../../../lib/auth-store';
import { fakeServer, renderWithClient } from '../../../test/render';
import { activityKeys, filterActivity, prependActivity, speedSeries } from '../api';
import { ActivityPage } from './activity-page';

let id = 0;
function record(over: Partial<ActivityRecord> = {}): ActivityRecord {
  return {
    id: ++id,
    time: Date.UTC(2026, 11, 4, 12, 0, id),
    instance: 'alpha',
    model: 'alpha',
    key_name: 'notebook',
    route: '/v1/chat/completions',
    method: 'POST',
    status: 200,
    duration_ms: 1234,
    ttfb_ms: 80,
    prompt_tokens: 12,
    completion_tokens: 40,
    tokens_per_second: 30,
    request_id: null,
    ...over,
  };
}

beforeEach(() => useAuthStore.setState({ status: 'signed-in', key: 'k' }));
afterEach(() => vi.unstubAllGlobals());

describe('activity helpers', () => {
  it('puts a live record on top once, bounded, and only into a list someone loaded', () => {
    const a = record();
    const b = record();
    expect(prependActivity(undefined, a)).toBeUndefined();
    expect(prependActivity([a], b)).toEqual([b, a]);
    expect(prependActivity([b, a], b)).toEqual([b, a]);
    const full = Array.from({ length: 500 }, () => record());
    const next = prependActivity(full, a)!;
    expect(next).toHaveLength(500);
    expect(next[0]).toBe(a);
  });

  it('filters by instance and status class', () => {
    const list = [
      record({ instance: 'a', status: 200 }),
      record({ instance: 'b', status: 404 }),
      record({ instance: 'a', status: 503 }),
    ];
    expect(filterActivity(list, { instance: 'a', status: 'all' })).toHaveLength(2);
    expect(filterActivity(list, { instance: '', status: 'client' })[0]!.instance).toBe('b');
    expect(filterActivity(list, { instance: 'a', status: 'server' })[0]!.status).toBe(503);
    expect(filterActivity(list, { instance: '', status: 'ok' })).toHaveLength(1);
  });

  it('gives an instance’s speeds oldest first, skipping requests without one', () => {
    const list = [
      record({ tokens_per_second: 3 }),
      record({ tokens_per_second: null }),
      record({ instance: 'b', tokens_per_second: 99 }),
      record({ tokens_per_second: 1 }),
    ];
    expect(speedSeries(list, 'alpha')).toEqual([1, 3]);
  });
});

describe('activity page', () => {
  it('lists requests with their figures, filters them and shows each instance’s speed', async () => {
    const user = userEvent.setup();
    const rows = [
      record({ tokens_per_second: 41.5 }),
      record({ tokens_per_second: 35 }),
      record({
        instance: 'beta',
        model: 'beta',
        status: 503,
        ttfb_ms: null,
        tokens_per_second: null,
        prompt_tokens: null,
        completion_tokens: null,
        key_name: null,
      }),
    ];
    const server = fakeServer([{ path: '/activity?limit=500', body: rows }]);
    vi.stubGlobal('fetch', server.fetch);
    const { client } = renderWithClient(<ActivityPage />);
    const table = await screen.findByRole('table');
    expect(within(table).getAllByRole('row')).toHaveLength(4);
    expect(table.textContent).toContain('POST /v1/chat/completions');
    expect(table.textContent).toContain('12 / 40');
    expect(table.textContent).toContain('1.2 s');
    expect(table.textContent).toContain('notebook');
    const speeds = screen.getByLabelText('Generation speed per instance');
    expect(speeds.textContent).toContain('41.5 tokens/s');
    expect(speeds.textContent).toContain('no completions yet');
    expect(screen.getByRole('img', { name: /alpha's latest completions/ })).toBeTruthy();

    await user.selectOptions(screen.getByLabelText('Status'), 'server');
    expect(within(screen.getByRole('table')).getAllByRole('row')).toHaveLength(2);
    expect(screen.getByRole('table').textContent).toContain('503');
    await user.selectOptions(screen.getByLabelText('Status'), 'all');
    await user.selectOptions(screen.getByLabelText('Instance'), 'alpha');
    expect(within(screen.getByRole('table')).getAllByRole('row')).toHaveLength(3);

    // a live `activity` event lands on top
    act(() => {
      client.setQueryData<ActivityRecord[]>(activityKeys.all, (old) =>
        prependActivity(old, record({ duration_ms: 77 })),
      );
    });
    await waitFor(() =>
      expect(within(screen.getByRole('table')).getAllByRole('row')[1]!.textContent).toContain(
        '77 ms',
      ),
    );
  });

  it('says so when nothing was requested yet', async () => {
    vi.stubGlobal('fetch', fakeServer([{ path: '/activity?limit=500', body: [] }]).fetch);
    renderWithClient(<ActivityPage />);
    expect(await screen.findByText('No requests yet')).toBeTruthy();
  });
});
