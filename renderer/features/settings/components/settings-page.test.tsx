import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SettingsResponse } from '../../../../shared/api/settings';
import { fakeServer, renderWithClient } from '../../../test/render';
import { SettingsPage } from './settings-page';

afterEach(() => vi.unstubAllGlobals());

const eff = (command: string, source: 'default' | 'file' | 'settings' | 'environment') => ({
  command: { value: command, source },
  args: { value: [], source: 'default' as const },
});

const settings: SettingsResponse = {
  settings: {},
  effective: {
    backends: {
      'llama-cpp': eff('llama-server', 'default'),
      vllm: eff('vllm', 'environment'),
      mlx: eff('mlx_lm.server', 'file'),
    },
    models: {
      folders: { value: [], source: 'default' },
      scanned: ['/home/u/.cache/hf', '/home/u/models'],
    },
  },
  file: '/data/settings.json',
};

function server(
  token: Record<string, unknown> & { file: string } = {
    set: true,
    source: 'file',
    masked: 'hf_…a1b2',
    file: '/home/u/.cache/huggingface/token',
    storage: 'file',
  },
  moved?: Record<string, unknown>,
) {
  return fakeServer([
    { path: '/settings', body: settings },
    {
      path: '/runtimes',
      body: {
        default: { command: 'llama-server', source: 'default', path: null },
        runtimes: [],
        hardware: {
          os: 'linux',
          arch: 'x64',
          memory_bytes: 1,
          gpus: [],
          recommended_variant: 'cpu',
        },
      },
    },
    { path: '/settings/hf-token', body: token },
    {
      method: 'PUT',
      path: '/settings/hf-token',
      body: moved ?? { ...token, set: true, masked: 'hf_…wxyz' },
    },
    {
      method: 'DELETE',
      path: '/settings/hf-token',
      body: { set: false, source: 'none', file: token.file },
    },
    {
      method: 'PUT',
      path: '/settings',
      body: {
        ...settings,
        settings: {
          backends: { 'llama-cpp': { command: '/opt/llama/llama-server', args: ['--no-webui'] } },
        },
        effective: {
          ...settings.effective,
          backends: {
            ...settings.effective.backends,
            'llama-cpp': {
              command: { value: '/opt/llama/llama-server', source: 'settings' },
              args: { value: ['--no-webui'], source: 'settings' },
            },
          },
        },
      },
    },
  ]);
}

describe('settings page', () => {
  it('shows each effective command with where it comes from', async () => {
    vi.stubGlobal('fetch', server().fetch);
    renderWithClient(<SettingsPage />);
    expect((await screen.findByTestId('effective-vllm')).textContent).toMatch(
      /vllm.*environment variable/,
    );
    expect(screen.getByTestId('effective-mlx').textContent).toMatch(/mlx_lm\.server.*config file/);
    expect(screen.getByText(/\/home\/u\/models/)).toBeTruthy();
  });

  it('saves the llama-server command and arguments and shows them in effect', async () => {
    const user = userEvent.setup();
    const srv = server();
    vi.stubGlobal('fetch', srv.fetch);
    renderWithClient(<SettingsPage />);
    await user.type(await screen.findByLabelText('llama.cpp command'), '/opt/llama/llama-server');
    await user.type(screen.getByLabelText('llama.cpp arguments'), '--no-webui');
    await user.click(screen.getByRole('button', { name: 'Save llama.cpp' }));
    await vi.waitFor(() =>
      expect(srv.requests.find((r) => r.method === 'PUT' && r.path === '/settings')?.body).toEqual({
        backends: { 'llama-cpp': { command: '/opt/llama/llama-server', args: ['--no-webui'] } },
      }),
    );
    await vi.waitFor(() =>
      expect(screen.getByTestId('effective-llama-cpp').textContent).toMatch(
        /\/opt\/llama\/llama-server.*dashboard settings/,
      ),
    );
  });

  it('shows the token masked, replaces it and removes it', async () => {
    const user = userEvent.setup();
    const srv = server();
    vi.stubGlobal('fetch', srv.fetch);
    renderWithClient(<SettingsPage />);
    const card = await screen.findByRole('region', { name: 'Hugging Face token' });
    expect((await within(card).findByTestId('hf-token-masked')).textContent).toBe('hf_…a1b2');
    await user.type(within(card).getByLabelText('Hugging Face token'), 'hf_secretwxyz');
    await user.click(within(card).getByRole('button', { name: 'Save token' }));
    await vi.waitFor(() =>
      expect(within(card).getByTestId('hf-token-masked').textContent).toBe('hf_…wxyz'),
    );
    expect(srv.requests.find((r) => r.method === 'PUT')?.body).toEqual({ token: 'hf_secretwxyz' });
    expect((within(card).getByLabelText('Hugging Face token') as HTMLInputElement).value).toBe('');
    await user.click(within(card).getByRole('button', { name: 'Remove token' }));
    await within(card).findByText(/No token/);
  });

  it('cannot change a token that HF_TOKEN sets', async () => {
    vi.stubGlobal(
      'fetch',
      server({ set: true, source: 'environment', masked: 'hf_…zzzz', file: '/t' }).fetch,
    );
    renderWithClient(<SettingsPage />);
    const card = await screen.findByRole('region', { name: 'Hugging Face token' });
    await within(card).findByText(/HF_TOKEN wins/);
    expect(within(card).queryByLabelText('Hugging Face token')).toBeNull();
  });

  const KEYCHAIN = {
    available: true,
    label: 'the macOS Keychain',
    file: '/data/hf-token.enc',
  };

  it('offers the OS keychain in the desktop app and moves the stored token there', async () => {
    const user = userEvent.setup();
    const token = {
      set: true,
      source: 'file',
      masked: 'hf_…a1b2',
      file: '/home/u/.cache/huggingface/token',
      storage: 'file',
      keychain: KEYCHAIN,
    };
    const srv = server(token, { ...token, source: 'keychain', storage: 'keychain' });
    vi.stubGlobal('fetch', srv.fetch);
    renderWithClient(<SettingsPage />);
    const card = await screen.findByRole('region', { name: 'Hugging Face token' });
    const keychain = await within(card).findByRole('radio', {
      name: /Encrypted with the macOS Keychain/,
    });
    expect(
      (
        within(card).getByRole('radio', {
          name: /^In the Hugging Face token file/,
        }) as HTMLInputElement
      ).checked,
    ).toBe(true);
    expect(within(card).getByText(/other Hugging Face tools .* do not see the token/)).toBeTruthy();
    await user.click(keychain);
    await vi.waitFor(() =>
      expect(srv.requests.find((r) => r.method === 'PUT')?.body).toEqual({ storage: 'keychain' }),
    );
    await within(card).findByText(/encrypted with the macOS Keychain in \/data\/hf-token\.enc/);
  });

  it('saves a new token where the user chose, the keychain by default when it is available', async () => {
    const user = userEvent.setup();
    const srv = server({
      set: false,
      source: 'none',
      file: '/t',
      storage: 'file',
      keychain: KEYCHAIN,
    });
    vi.stubGlobal('fetch', srv.fetch);
    renderWithClient(<SettingsPage />);
    const card = await screen.findByRole('region', { name: 'Hugging Face token' });
    const keychain = (await within(card).findByRole('radio', {
      name: /Encrypted with/,
    })) as HTMLInputElement;
    expect(keychain.checked).toBe(true);
    await user.type(within(card).getByLabelText('Hugging Face token'), 'hf_secretwxyz');
    await user.click(within(card).getByRole('button', { name: 'Save token' }));
    await vi.waitFor(() =>
      expect(srv.requests.find((r) => r.method === 'PUT')?.body).toEqual({
        token: 'hf_secretwxyz',
        storage: 'keychain',
      }),
    );
  });

  it('offers only the token file when the keychain cannot protect it, saying why', async () => {
    vi.stubGlobal(
      'fetch',
      server({
        set: false,
        source: 'none',
        file: '/t',
        storage: 'file',
        keychain: {
          ...KEYCHAIN,
          label: 'the desktop keyring',
          available: false,
          reason: 'no keyring (GNOME Keyring or KWallet) is available in this desktop session',
        },
      }).fetch,
    );
    renderWithClient(<SettingsPage />);
    const card = await screen.findByRole('region', { name: 'Hugging Face token' });
    const keychain = (await within(card).findByRole('radio', {
      name: /Encrypted with/,
    })) as HTMLInputElement;
    expect(keychain.disabled).toBe(true);
    expect(keychain.checked).toBe(false);
    expect(
      (
        within(card).getByRole('radio', {
          name: /^In the Hugging Face token file/,
        }) as HTMLInputElement
      ).checked,
    ).toBe(true);
    expect(within(card).getByText(/Not available: no keyring/)).toBeTruthy();
  });

  it('asks for the token again when the keychain can no longer decrypt it', async () => {
    vi.stubGlobal(
      'fetch',
      server({
        set: false,
        source: 'keychain',
        file: '/t',
        storage: 'keychain',
        keychain: KEYCHAIN,
        error:
          'The Hugging Face token kept with the OS keychain can no longer be decrypted. Enter the token again.',
      }).fetch,
    );
    renderWithClient(<SettingsPage />);
    const card = await screen.findByRole('region', { name: 'Hugging Face token' });
    expect((await within(card).findByRole('alert')).textContent).toMatch(/Enter the token again/);
    expect(within(card).getByLabelText('Hugging Face token')).toBeTruthy();
    expect(within(card).queryByText(/No token\./)).toBeNull();
  });

  it('shows no storage choice on the headless server', async () => {
    vi.stubGlobal('fetch', server().fetch);
    renderWithClient(<SettingsPage />);
    const card = await screen.findByRole('region', { name: 'Hugging Face token' });
    await within(card).findByTestId('hf-token-masked');
    expect(within(card).queryByRole('radio')).toBeNull();
  });
});
