import { act, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Instance } from '../../shared/api/instances';
import { InstancesPage } from '../features/instances/components/instances-page';
import { instanceKeys } from '../features/instances/queries';
import { KeysPage } from '../features/keys/components/keys-page';
import { serverBase } from '../lib/api-client';
import { noteUnreachable, useConnectionStore } from '../lib/connection';
import { fakeServer, renderWithClient, testQueryClient } from '../test/render';
import { ConnectionBanner, probeDelayMs, useConnectionMonitor } from './connection-banner';

const alpha: Instance = {
  id: 1,
  name: 'alpha',
  status: 'running',
  health: 'ready',
  options: {
    backend_type: 'llama_cpp',
    backend_options: { model: '/m.gguf' },
    auto_restart: true,
    max_restarts: 3,
    restart_delay: 5,
    on_demand_start: true,
    idle_timeout: 0,
  },
};

function Harness() {
  useConnectionMonitor();
  return (
    <>
      <ConnectionBanner />
      <InstancesPage />
    </>
  );
}

beforeEach(() => useConnectionStore.setState({ reachable: true, since: null }));
afterEach(() => vi.unstubAllGlobals());

describe('the unreachable-server banner', () => {
  it('says plainly which server is gone, pauses actions, marks states as last known, and refreshes when it is back', async () => {
    const user = userEvent.setup();
    let up = false;
    const srv = fakeServer([
      { path: '/version', body: { version: 'test' } },
      { path: '/instances', body: [{ ...alpha, status: 'stopped', health: 'stopped' }] },
    ]);
    vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) =>
      up ? srv.fetch(input, init) : Promise.reject(new TypeError('Failed to fetch')),
    );
    const client = testQueryClient();
    client.setQueryData(instanceKeys.list(), [alpha]);
    renderWithClient(<Harness />, client);
    expect(screen.queryByRole('alert')).toBeNull();

    noteUnreachable();
    const banner = await screen.findByRole('alert');
    expect(banner.textContent).toContain(
      `Can't reach the server at ${serverBase().replace(/\/$/, '')} — retrying…`,
    );
    expect((screen.getByRole('button', { name: 'Stop alpha' }) as HTMLButtonElement).disabled).toBe(
      true,
    );
    expect(
      (screen.getByRole('button', { name: 'Create instance' }) as HTMLButtonElement).disabled,
    ).toBe(true);
    expect(screen.getByText('last known')).toBeTruthy();

    // "Try now" while it is still down changes nothing
    await user.click(screen.getByRole('button', { name: 'Try now' }));
    expect(screen.getByRole('alert')).toBeTruthy();

    up = true;
    await user.click(screen.getByRole('button', { name: 'Try now' }));
    await vi.waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    // what changed while it was gone shows: the list was fetched again
    expect(await screen.findByRole('button', { name: 'Start alpha' })).toBeTruthy();
    expect(screen.queryByText('last known')).toBeNull();
    expect(srv.requests.map((r) => r.path)).toContain('/instances');
  });

  it('probes after 1, 2, 4 and 8 seconds, then every 10 seconds', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map(probeDelayMs)).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000, 10_000,
    ]);
  });
});

describe('actions outside the instance rows while the server is gone', () => {
  it('disables Create API key and each key Delete, and the empty list Create your first instance', async () => {
    const client = testQueryClient();
    client.setQueryData(instanceKeys.list(), []);
    vi.stubGlobal(
      'fetch',
      fakeServer([
        { path: '/instances', body: [] },
        {
          path: '/auth/keys',
          body: [
            {
              id: 1,
              name: 'ci',
              user_id: 'llamactl',
              permission_mode: 'allow_all',
              expires_at: null,
              enabled: true,
              created_at: 1,
              updated_at: 1,
              last_used_at: null,
            },
          ],
        },
      ]).fetch,
    );
    renderWithClient(
      <>
        <InstancesPage />
        <KeysPage />
      </>,
      client,
    );
    const createFirst = await screen.findByRole('button', { name: /Create your first instance/ });
    const createKey = screen.getByRole('button', { name: /Create API key/ });
    const deleteKey = await screen.findByRole('button', { name: 'Delete key ci' });
    for (const b of [createFirst, createKey, deleteKey])
      expect((b as HTMLButtonElement).disabled).toBe(false);
    act(() => noteUnreachable());
    for (const b of [createFirst, createKey, deleteKey])
      expect((b as HTMLButtonElement).disabled).toBe(true);
  });
});
