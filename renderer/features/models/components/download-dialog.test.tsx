import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeServer, renderWithClient } from '../../../test/render';
import { DownloadDialog, repoError, splitRepo } from './download-dialog';

afterEach(() => vi.unstubAllGlobals());

describe('download dialog', () => {
  it('splits the tag at the last colon and checks the org/model form', () => {
    expect(splitRepo('bartowski/Llama-GGUF:Q4_K_M')).toEqual({
      repo: 'bartowski/Llama-GGUF',
      tag: 'Q4_K_M',
    });
    expect(splitRepo('a/b')).toEqual({ repo: 'a/b', tag: '' });
    expect(repoError('llama')).toMatch(/org\/model/);
    expect(repoError('')).toMatch(/Enter a repository/);
    expect(repoError('a/b:Q8_0')).toBeNull();
  });

  it('lists the quantizations of the typed repo and downloads the chosen one', async () => {
    const user = userEvent.setup();
    const srv = fakeServer([
      {
        path: '/models/hub/files?repo=org%2Fm-GGUF',
        body: {
          repo: 'org/m-GGUF',
          revision: 'main',
          commit: 'c',
          default_tag: 'Q4_K_M',
          mmproj: [],
          quantizations: [
            { tag: 'Q4_K_M', files: ['m-Q4_K_M.gguf'], size_bytes: 4_000_000_000, split: false },
            {
              tag: 'Q8_0',
              files: ['m-Q8_0-00001-of-00002.gguf', 'm-Q8_0-00002-of-00002.gguf'],
              size_bytes: 8_000_000_000,
              split: true,
            },
          ],
        },
      },
      {
        method: 'POST',
        path: '/models/download',
        status: 202,
        body: { job_id: '0123456789abcdef', repo: 'org/m-GGUF', tag: 'Q8_0' },
      },
    ]);
    vi.stubGlobal('fetch', srv.fetch);
    const onClose = vi.fn();
    renderWithClient(<DownloadDialog onClose={onClose} />);
    await user.type(screen.getByLabelText('Repository'), 'org/m-GGUF');
    const q8 = await screen.findByRole('radio', { name: /Q8_0/ });
    expect(screen.getByText(/7\.5 GB · 2 parts/)).toBeTruthy();
    await user.click(q8);
    await user.click(screen.getByRole('button', { name: 'Start download' }));
    await vi.waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(srv.requests.find((r) => r.method === 'POST')?.body).toEqual({
      repo: 'org/m-GGUF:Q8_0',
      format: 'gguf',
    });
  });

  it('downloads the quantization the dialog marks as the default under its own tag', async () => {
    const user = userEvent.setup();
    const srv = fakeServer([
      {
        path: '/models/hub/files?repo=org%2Fm-GGUF',
        body: {
          repo: 'org/m-GGUF',
          revision: 'main',
          commit: 'c',
          default_tag: 'Q4_K_M',
          mmproj: [],
          quantizations: [
            { tag: 'Q4_K_M', files: ['m-Q4_K_M.gguf'], size_bytes: 4_000_000_000, split: false },
            { tag: 'Q8_0', files: ['m-Q8_0.gguf'], size_bytes: 8_000_000_000, split: false },
          ],
        },
      },
      {
        method: 'POST',
        path: '/models/download',
        status: 202,
        body: { job_id: '0123456789abcdef', repo: 'org/m-GGUF', tag: 'Q4_K_M' },
      },
    ]);
    vi.stubGlobal('fetch', srv.fetch);
    const onClose = vi.fn();
    renderWithClient(<DownloadDialog onClose={onClose} />);
    await user.type(screen.getByLabelText('Repository'), 'org/m-GGUF');
    const q4 = await screen.findByRole('radio', { name: /Q4_K_M/ });
    expect((q4 as HTMLInputElement).checked).toBe(true);
    await user.click(screen.getByRole('button', { name: 'Start download' }));
    await vi.waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(srv.requests.find((r) => r.method === 'POST')?.body).toEqual({
      repo: 'org/m-GGUF:Q4_K_M',
      format: 'gguf',
    });
  });

  it('offers the token when the repo needs one and keeps Start download disabled until it lists', async () => {
    const user = userEvent.setup();
    let tokenSet = false;
    const routes = fakeServer([]);
    const fetchImpl = async (input: RequestInfo | URL, init: RequestInit = {}) => {
      const url = new URL(String(input));
      const path = url.pathname.replace(/^\/api\/v1/, '') + url.search;
      routes.requests.push({
        method: init.method ?? 'GET',
        path,
        body: init.body ? JSON.parse(String(init.body)) : undefined,
      });
      const json = (status: number, body: unknown) =>
        new Response(JSON.stringify(body), {
          status,
          headers: { 'Content-Type': 'application/json' },
        });
      if (path === '/settings/hf-token' && init.method === 'PUT') {
        tokenSet = true;
        return json(200, { set: true, source: 'file', masked: 'hf_…abcd', file: '/t' });
      }
      if (path === '/settings/hf-token')
        return json(
          200,
          tokenSet
            ? { set: true, source: 'file', masked: 'hf_…abcd', file: '/t' }
            : { set: false, source: 'none', file: '/t' },
        );
      if (path.startsWith('/models/hub/files'))
        return tokenSet
          ? json(200, {
              repo: 'org/gated-GGUF',
              revision: 'main',
              commit: 'c',
              default_tag: 'Q4_K_M',
              mmproj: [],
              quantizations: [{ tag: 'Q4_K_M', files: ['g.gguf'], size_bytes: 10, split: false }],
            })
          : json(403, {
              error: 'permission_denied',
              details: 'org/gated-GGUF: this repo needs a Hugging Face token',
            });
      return json(404, { error: 'not_found', details: path });
    };
    vi.stubGlobal('fetch', fetchImpl);
    renderWithClient(<DownloadDialog onClose={vi.fn()} />);
    await user.type(screen.getByLabelText('Repository'), 'org/gated-GGUF');
    await screen.findByText(/needs a Hugging Face token/);
    const start = screen.getByRole('button', { name: 'Start download' });
    expect(start.hasAttribute('disabled')).toBe(true);
    await user.type(screen.getByLabelText('Hugging Face token'), 'hf_secretabcd');
    await user.click(screen.getByRole('button', { name: 'Save token' }));
    await screen.findByRole('radio', { name: /Q4_K_M/ });
    expect(start.hasAttribute('disabled')).toBe(false);
    expect(routes.requests.find((r) => r.method === 'PUT')?.body).toEqual({
      token: 'hf_secretabcd',
    });
  });

  it('disables Start download for a repo that does not exist', async () => {
    const user = userEvent.setup();
    vi.stubGlobal(
      'fetch',
      fakeServer([
        {
          path: '/settings/hf-token',
          body: { set: true, source: 'file', masked: 'hf_…abcd', file: '/t' },
        },
        {
          path: /^\/models\/hub\/files/,
          status: 404,
          body: { error: 'model_not_found', details: 'no such repo or tag: org/none' },
        },
      ]).fetch,
    );
    renderWithClient(<DownloadDialog onClose={vi.fn()} />);
    await user.type(screen.getByLabelText('Repository'), 'org/none');
    await screen.findByText(/No such repository/);
    expect(screen.getByRole('button', { name: 'Start download' }).hasAttribute('disabled')).toBe(
      true,
    );
  });
});
