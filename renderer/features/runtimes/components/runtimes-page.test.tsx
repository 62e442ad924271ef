import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReleasesResponse, RuntimesResponse } from '../../../../shared/api/runtimes';
import { fakeServer, renderWithClient } from '../../../test/render';
import { RuntimesPage } from './runtimes-page';

afterEach(() => vi.unstubAllGlobals());

const runtimes: RuntimesResponse = {
  default: {
    command: '/data/runtimes/llama-cpp/b1239/cpu/llama-server',
    source: 'settings',
    path: '/data/runtimes/llama-cpp/b1239/cpu/llama-server',
  },
  runtimes: [
    {
      path: '/data/runtimes/llama-cpp/b1239/cpu/llama-server',
      sources: ['app'],
      version: 'version: 1239 (abc)',
      build: 'b1239',
      devices: [],
      tag: 'b1239',
      variant: 'cpu',
      installed_at: 1_780_000_000,
      default: true,
    },
    {
      path: '/usr/local/bin/llama-server',
      sources: ['path', 'homebrew'],
      version: 'version: 1100 (def)',
      build: 'b1100',
      devices: ['Vulkan0: Test GPU (8192 MiB, 8000 MiB free)'],
      default: false,
    },
  ],
  hardware: {
    os: 'linux',
    arch: 'x64',
    memory_bytes: 16 << 30,
    gpus: [],
    recommended_variant: 'cpu',
  },
};

const asset = (tag: string, variant: 'cpu' | 'vulkan') => ({
  name: `llama-${tag}-bin-ubuntu-${variant === 'cpu' ? '' : 'vulkan-'}x64.tar.gz`,
  size: 1000,
  url: 'http://x',
  digest: 'sha256:00',
  variant,
});

const releases: ReleasesResponse = {
  releases: [
    {
      tag: 'b1240',
      name: 'b1240',
      published_at: '2026-08-01T00:00:00Z',
      prerelease: false,
      assets: [asset('b1240', 'cpu'), asset('b1240', 'vulkan')],
      asset: asset('b1240', 'cpu'),
      installed: [],
    },
    {
      tag: 'b1239',
      name: 'b1239',
      published_at: '2026-07-01T00:00:00Z',
      prerelease: false,
      assets: [asset('b1239', 'cpu')],
      asset: asset('b1239', 'cpu'),
      installed: ['cpu'],
    },
  ],
  latest: 'b1240',
  recommended_variant: 'cpu',
  installed_latest: 'b1239',
  update_available: true,
};

function server() {
  return fakeServer([
    { path: '/runtimes', body: runtimes },
    { path: '/runtimes/llama-cpp/releases', body: releases },
    { path: '/runtimes/llama-cpp/releases?refresh=1', body: releases },
    { path: '/models/jobs', body: { jobs: [] } },
    {
      method: 'POST',
      path: '/runtimes/llama-cpp/install',
      status: 202,
      body: { job_id: 'j1', tag: 'b1240', variant: 'vulkan' },
    },
    { method: 'PUT', path: '/runtimes/llama-cpp/default', body: {} },
    { method: 'DELETE', path: /^\/runtimes\/llama-cpp\/b1239/, status: 204 },
  ]);
}

describe('runtimes page', () => {
  it('shows each runtime with its source, version, devices and the default', async () => {
    vi.stubGlobal('fetch', server().fetch);
    renderWithClient(<RuntimesPage />);
    const list = await screen.findByRole('region', { name: 'Installed runtimes' });
    await within(list).findByText('/usr/local/bin/llama-server');
    expect(within(list).getByText('Homebrew')).toBeTruthy();
    expect(within(list).getByText(/Vulkan0: Test GPU/)).toBeTruthy();
    expect(within(list).getAllByText('Default')).toHaveLength(1);
    expect(screen.getByText('dashboard settings')).toBeTruthy();
  });

  it('installs the chosen version and build', async () => {
    const user = userEvent.setup();
    const srv = server();
    vi.stubGlobal('fetch', srv.fetch);
    renderWithClient(<RuntimesPage />);
    await screen.findByRole('option', { name: 'b1240' });
    await user.selectOptions(screen.getByLabelText('Version'), 'b1240');
    await user.selectOptions(screen.getByLabelText('Build'), 'vulkan');
    expect(screen.getByText('llama-b1240-bin-ubuntu-vulkan-x64.tar.gz')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Install' }));
    await vi.waitFor(() =>
      expect(srv.requests.find((r) => r.method === 'POST')?.body).toEqual({
        version: 'b1240',
        variant: 'vulkan',
      }),
    );
  });

  it('refuses to install a release and build that is already installed', async () => {
    const user = userEvent.setup();
    vi.stubGlobal('fetch', server().fetch);
    renderWithClient(<RuntimesPage />);
    await screen.findByRole('option', { name: 'b1239' });
    await user.selectOptions(screen.getByLabelText('Version'), 'b1239');
    expect(screen.getByRole('button', { name: 'Installed' }).hasAttribute('disabled')).toBe(true);
  });

  it('sets another runtime as the default and removes an installed one', async () => {
    const user = userEvent.setup();
    const srv = server();
    vi.stubGlobal('fetch', srv.fetch);
    renderWithClient(<RuntimesPage />);
    await user.click(
      await screen.findByRole('button', { name: 'Use /usr/local/bin/llama-server as the default' }),
    );
    await vi.waitFor(() =>
      expect(srv.requests.find((r) => r.method === 'PUT')?.body).toEqual({
        path: '/usr/local/bin/llama-server',
      }),
    );
    await user.click(screen.getByRole('button', { name: 'Remove b1239 CPU' }));
    await user.click(screen.getByRole('button', { name: 'Remove' }));
    await vi.waitFor(() =>
      expect(
        srv.requests.some(
          (r) => r.method === 'DELETE' && r.path === '/runtimes/llama-cpp/b1239?variant=cpu',
        ),
      ).toBe(true),
    );
  });
});
