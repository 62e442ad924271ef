import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LocalModelsResponse } from '../../../../shared/api/library';
import { renderWithClient, testQueryClient } from '../../../test/render';
import { useInstancesUi } from '../../instances/ui-store';
import { modelKeys } from '../queries';
import { LocalFiles } from './local-files';

const LOCAL: LocalModelsResponse = {
  folders: [{ path: '/home/me/models', exists: true }],
  models: [
    {
      path: '/home/me/.cache/huggingface/hub/models--org--Vision-GGUF/snapshots/c0ffee/vision-Q4_K_M.gguf',
      name: 'vision-Q4_K_M.gguf',
      folder: '/home/me/.cache/huggingface/hub',
      repo: 'org/Vision-GGUF',
      size_bytes: 2_000_000_000,
      parts: 1,
      mmproj:
        '/home/me/.cache/huggingface/hub/models--org--Vision-GGUF/snapshots/c0ffee/mmproj-f16.gguf',
    },
  ],
  truncated: false,
};

function client() {
  const c = testQueryClient();
  c.setQueryData(modelKeys.local(), LOCAL);
  return c;
}

afterEach(() => {
  vi.unstubAllGlobals();
  useInstancesUi.setState({ dialog: null });
});

describe('Local files', () => {
  it('offers no "Add a file…" in a plain browser', () => {
    renderWithClient(<LocalFiles />, client());
    expect(screen.getByText('vision-Q4_K_M.gguf')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Add a file/ })).toBeNull();
  });

  it('keeps the vision projector note out of the truncated folder text', () => {
    renderWithClient(<LocalFiles />, client());
    const note = screen.getByText(/with vision projector/);
    expect(note.classList.contains('truncate')).toBe(false);
    expect(note.closest('.truncate')).toBeNull();
  });

  it('opens the create dialog with the file chosen in the desktop file dialog, nothing on Cancel', async () => {
    const user = userEvent.setup();
    const picks = [null, '/data/models/Llama-3.2-3B-Instruct-Q8_0.gguf'];
    const chooseModelFile = vi.fn(async () => picks.shift() ?? null);
    vi.stubGlobal('llamactlDesktop', { chooseModelFile });
    renderWithClient(<LocalFiles />, client());
    const add = screen.getByRole('button', { name: /Add a file/ });
    await user.click(add);
    await user.click(add);
    await vi.waitFor(() =>
      expect(useInstancesUi.getState().dialog).toEqual({
        kind: 'create',
        prefill: {
          name: 'llama-3.2-3b-instruct-q8_0',
          options: {
            backend_type: 'llama_cpp',
            backend_options: { model: '/data/models/Llama-3.2-3B-Instruct-Q8_0.gguf' },
          },
        },
      }),
    );
    expect(chooseModelFile).toHaveBeenCalledTimes(2);
    expect(window.location.hash).toBe('#/instances');
  });
});
