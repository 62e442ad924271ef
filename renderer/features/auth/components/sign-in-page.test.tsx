import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useAuthStore } from '../../../lib/auth-store';
import { renderWithClient } from '../../../test/render';
import { SignInPage } from './sign-in-page';

/** A server that accepts exactly one management key. */
function keyServer(good: string) {
  return (async (_url: RequestInfo | URL, init: RequestInit = {}) => {
    const auth = (init.headers as Record<string, string>).Authorization;
    return auth === `Bearer ${good}`
      ? new Response('[]', { status: 200 })
      : new Response(
          JSON.stringify({ error: { message: 'Invalid API key', type: 'authentication_error' } }),
          { status: 401 },
        );
  }) as typeof fetch;
}

beforeEach(() => {
  localStorage.clear();
  sessionStorage.clear();
  useAuthStore.getState().signOut();
});
afterEach(() => vi.unstubAllGlobals());

describe('sign-in page', () => {
  it('says where a generated management key is kept', () => {
    renderWithClient(<SignInPage />);
    expect(screen.getByRole('heading', { level: 1 }).parentElement!.textContent).toContain(
      '<data_dir>/management.key',
    );
  });

  it('says so when the key is refused and stays signed out', async () => {
    const user = userEvent.setup();
    vi.stubGlobal('fetch', keyServer('good'));
    renderWithClient(<SignInPage />);
    await user.type(screen.getByLabelText('Management key'), 'bad');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText(/not accepted/)).toBeTruthy();
    expect(useAuthStore.getState().status).toBe('signed-out');
  });

  it('signs in with Enter and remembers the key only when asked', async () => {
    const user = userEvent.setup();
    vi.stubGlobal('fetch', keyServer('good'));
    renderWithClient(<SignInPage />);
    await user.click(screen.getByLabelText('Remember me on this browser'));
    await user.type(screen.getByLabelText('Management key'), 'good{Enter}');
    await vi.waitFor(() => expect(useAuthStore.getState().status).toBe('signed-in'));
    expect(localStorage.getItem('llamactl.managementKey')).toBe('good');
    useAuthStore.getState().signOut();
    expect(localStorage.getItem('llamactl.managementKey')).toBeNull();
  });

  it('keeps the key for this tab only by default', async () => {
    const user = userEvent.setup();
    vi.stubGlobal('fetch', keyServer('good'));
    renderWithClient(<SignInPage />);
    await user.type(screen.getByLabelText('Management key'), 'good{Enter}');
    await vi.waitFor(() => expect(useAuthStore.getState().status).toBe('signed-in'));
    expect(sessionStorage.getItem('llamactl.managementKey')).toBe('good');
    expect(localStorage.getItem('llamactl.managementKey')).toBeNull();
  });
});
