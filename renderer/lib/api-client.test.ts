import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeServer } from '../test/render';
import { ApiError, apiJson, apiUrl } from './api-client';
import { useAuthStore } from './auth-store';
import { ServerUnreachableError, useConnectionStore } from './connection';

describe('api client', () => {
  beforeEach(() => useAuthStore.getState().signIn('k1', false));
  afterEach(() => vi.unstubAllGlobals());

  it('builds URLs from the page base so a reverse-proxy sub-path keeps working', () => {
    expect(apiUrl('/instances')).toBe(new URL('api/v1/instances', document.baseURI).href);
  });

  it('sends the key as a bearer token and parses JSON', async () => {
    const srv = fakeServer([{ path: '/instances', body: [{ name: 'a' }] }]);
    vi.stubGlobal('fetch', srv.fetch);
    expect(await apiJson('/instances')).toEqual([{ name: 'a' }]);
    expect(srv.requests[0].auth).toBe('Bearer k1');
  });

  it("turns llamactl's error body into an ApiError with code and details", async () => {
    vi.stubGlobal(
      'fetch',
      fakeServer([
        {
          method: 'POST',
          path: '/instances/x',
          status: 400,
          body: {
            error: 'validation_error',
            details: 'backend_options.ctx_size: must be an integer',
          },
        },
      ]).fetch,
    );
    const err = (await apiJson('/instances/x', { method: 'POST', body: {} }).catch(
      (e: unknown) => e,
    )) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('validation_error');
    expect(err.details).toBe('backend_options.ctx_size: must be an integer');
    expect(err.status).toBe(400);
  });

  it('answers undefined for 204', async () => {
    vi.stubGlobal(
      'fetch',
      fakeServer([{ method: 'DELETE', path: '/instances/x', status: 204 }]).fetch,
    );
    expect(await apiJson('/instances/x', { method: 'DELETE' })).toBeUndefined();
  });

  it('returns to sign-in with a notice when the key stops working', async () => {
    vi.stubGlobal(
      'fetch',
      fakeServer([
        {
          path: '/instances',
          status: 401,
          body: { error: { message: 'bad key', type: 'authentication_error' } },
        },
      ]).fetch,
    );
    await expect(apiJson('/instances')).rejects.toThrow('bad key');
    expect(useAuthStore.getState().status).toBe('signed-out');
    expect(useAuthStore.getState().notice).toMatch(/Sign in again/);
  });

  it('keeps the session when the sign-in check itself gets a 401', async () => {
    vi.stubGlobal('fetch', fakeServer([{ path: '/instances', status: 401, body: {} }]).fetch);
    await expect(apiJson('/instances', { keepSessionOn401: true })).rejects.toBeInstanceOf(
      ApiError,
    );
    expect(useAuthStore.getState().status).toBe('signed-in');
  });
});

describe('an unreachable server', () => {
  beforeEach(() => useConnectionStore.setState({ reachable: true, since: null }));
  afterEach(() => vi.unstubAllGlobals());

  it('turns "Failed to fetch" into one plain error and marks the server unreachable until it answers', async () => {
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('Failed to fetch')));
    const err = await apiJson('/instances').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerUnreachableError);
    expect((err as Error).message).toMatch(/^Can't reach the server at http/);
    expect(useConnectionStore.getState().reachable).toBe(false);
    // any answer, even an error status, means it is back
    vi.stubGlobal('fetch', fakeServer([]).fetch);
    await apiJson('/nothing').catch(() => undefined);
    expect(useConnectionStore.getState().reachable).toBe(true);
  });

  it('leaves a cancelled request alone', async () => {
    const ctl = new AbortController();
    vi.stubGlobal('fetch', () => {
      ctl.abort();
      return Promise.reject(new DOMException('aborted', 'AbortError'));
    });
    const err = await apiJson('/instances', { signal: ctl.signal }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(useConnectionStore.getState().reachable).toBe(true);
  });
});
