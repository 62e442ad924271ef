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
});
