import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Spinner } from '../components/spinner';
import { Toaster } from '../components/toasts';
import { SignInPage } from '../features/auth/components/sign-in-page';
import type { Instance } from '../../shared/api/instances';
import { instanceKeys } from '../features/instances/queries';
import { apiJson, takePrefetched } from '../lib/api-client';
import { storedKey, useAuthStatus, useAuthStore } from '../lib/auth-store';
import { desktop } from '../lib/desktop';
import { Shell } from './shell';

/**
 * Decides between sign-in and the dashboard. Inside the desktop app the key comes from the
 * preload; in a browser a remembered key is tried, and a server with management auth off
 * needs no key at all.
 */
export function App() {
  const status = useAuthStatus();
  const qc = useQueryClient();
  useEffect(() => {
    let cancelled = false;
    const check = async () => {
      const d = desktop();
      const key = d ? await d.managementKey() : storedKey();
      // nothing remembered: go straight to sign-in instead of a request bound to fail with 401
      if (!d && key === null) {
        if (!cancelled) useAuthStore.getState().signOut();
        return;
      }
      try {
        const list = await (takePrefetched<Instance[]>(key) ??
          apiJson<Instance[]>('/instances', { key, keepSessionOn401: true }));
        if (cancelled) return;
        // the check already fetched the list: the dashboard renders it without a second request
        qc.setQueryData(instanceKeys.list(), list ?? []);
        useAuthStore.getState().signIn(key ?? '', !d && localStorageHasKey());
      } catch {
        if (!cancelled) useAuthStore.getState().signOut();
      }
    };
    void check();
    return () => {
      cancelled = true;
    };
  }, [qc]);
  useEffect(() => {
    // another user's data must never show after signing out
    if (status === 'signed-out') qc.clear();
  }, [status, qc]);

  return (
    <>
      {status === 'checking' && (
        <div className="fullscreen-center">
          <Spinner label="Connecting to the server…" size={22} />
        </div>
      )}
      {status === 'signed-out' && <SignInPage />}
      {status === 'signed-in' && <Shell />}
      <Toaster />
    </>
  );
}

function localStorageHasKey(): boolean {
  try {
    return localStorage.getItem('llamactl.managementKey') !== null;
  } catch {
    return false;
  }
}
