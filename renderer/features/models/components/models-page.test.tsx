import { screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CachedModel, DownloadJob } from '../../../../shared/api/models';
import { fakeServer, renderWithClient, testQueryClient } from '../../../test/render';
import { modelKeys } from '../queries';
import { useDismissedJobs } from '../ui-store';
import { ModelsPage } from './models-page';

const now = Math.floor(Date.now() / 1000);

function job(id: string, over: Partial<DownloadJob> = {}): DownloadJob {
  return {
    id,
    repo: `org/${id}-GGUF`,
    tag: 'Q4_K_M',
    format: 'gguf',
    status: 'completed',
    progress: {
      bytes_downloaded: 100,
      total_bytes: 100,
      current_file: '',
      files_done: 1,
      files_total: 1,
      speed_bps: 0,
    },
    created_at: now - 60,
    completed_at: now - 30,
    model_path: `/cache/models--org--${id}-GGUF/snapshots/c/${id}-Q4_K_M.gguf`,
    ...over,
  };
}

function cached(j: DownloadJob): CachedModel {
  return {
    node: 'main',
    repo: j.repo,
    tag: j.tag,
    size_bytes: 100,
    files: [{ name: 'm.gguf', path: j.model_path!, size_bytes: 100, type: 'gguf' }],
  };
}

function client(jobs: DownloadJob[], models: CachedModel[]) {
  const c = testQueryClient();
  c.setQueryData(modelKeys.jobs(), jobs);
  c.setQueryData(modelKeys.cached(), models);
  return c;
}

afterEach(() => {
  vi.unstubAllGlobals();
  useDismissedJobs.setState({ ids: [] });
});

describe('download cards on the models page', () => {
  it("shows a completed download's path only while its files are still in the cache", () => {
    vi.stubGlobal(
      'fetch',
      fakeServer([{ path: '/models/local', body: { folders: [], models: [], truncated: false } }])
        .fetch,
    );
    const kept = job('kept');
    const gone = job('gone');
    renderWithClient(<ModelsPage />, client([kept, gone], [cached(kept)]));
    const keptCard = document.querySelector<HTMLElement>('[data-job="kept"]')!;
    expect(within(keptCard).getByText(kept.model_path!)).toBeTruthy();
    const goneCard = document.querySelector<HTMLElement>('[data-job="gone"]')!;
    expect(within(goneCard).queryByText(gone.model_path!)).toBeNull();
    expect(within(goneCard).getByText('Deleted from the cache since')).toBeTruthy();
  });

  it('shows the quantization tag of a download and no chip for the fallback tag main', () => {
    vi.stubGlobal(
      'fetch',
      fakeServer([{ path: '/models/local', body: { folders: [], models: [], truncated: false } }])
        .fetch,
    );
    const quant = job('quant');
    const plain = job('plain', { tag: 'main', status: 'failed', error: 'hub said no' });
    renderWithClient(<ModelsPage />, client([quant, plain], [cached(quant)]));
    const downloads = screen.getByRole('region', { name: 'Downloads' });
    const quantCard = within(downloads)
      .getByText('org/quant-GGUF')
      .closest<HTMLElement>('[data-job]')!;
    expect(within(quantCard).getByText('Q4_K_M')).toBeTruthy();
    const plainCard = within(downloads)
      .getByText('org/plain-GGUF')
      .closest<HTMLElement>('[data-job]')!;
    expect(within(plainCard).queryByText('main')).toBeNull();
    expect(
      within(plainCard).getByRole('button', { name: 'Retry download of org/plain-GGUF' }),
    ).toBeTruthy();
  });
});
