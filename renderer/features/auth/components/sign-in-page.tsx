import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { Instance } from '../../../../shared/api/instances';
import { instanceKeys } from '../../instances/queries';
import { Icon } from '../../../components/icon';
import { ApiError, apiJson } from '../../../lib/api-client';
import { useAuthNotice, useAuthStore } from '../../../lib/auth-store';
import { Logo } from '../../../components/logo';

export function SignInPage() {
  const notice = useAuthNotice();
  const qc = useQueryClient();
  const [key, setKey] = useState('');
  const [remember, setRemember] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    // an empty key is allowed: servers with management auth turned off accept any request
    const k = key.trim();
    setBusy(true);
    setError(null);
    try {
      const list = await apiJson<Instance[]>('/instances', { key: k, keepSessionOn401: true });
      qc.setQueryData(instanceKeys.list(), list ?? []);
      useAuthStore.getState().signIn(k, remember);
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401 && k
          ? 'That key was not accepted. Check it and try again.'
          : err instanceof ApiError && err.status === 401 && !k
            ? 'This server requires a management key.'
            : `Could not reach the server: ${err instanceof Error ? err.message : String(err)}`,
      );
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <form className="signin-card" onSubmit={submit} aria-labelledby="signin-title" noValidate>
        <Logo size={40} />
        <h1 id="signin-title">Sign in to Llamactl</h1>
        <p className="muted">
          Enter a management key. It is in your config file under <code>auth.management_keys</code>;
          a key the server generated is kept in <code>&lt;data_dir&gt;/management.key</code> (the
          server prints the path when it starts).
        </p>
        {notice && (
          <div className="callout callout-warning" role="status">
            <Icon name="info" />
            <span>{notice}</span>
          </div>
        )}
        <div className={`field${error ? ' has-error' : ''}`}>
          <label htmlFor="mgmt-key" className="field-label">
            Management key
          </label>
          <input
            id="mgmt-key"
            className="input mono"
            type="password"
            autoComplete="current-password"
            autoFocus
            value={key}
            onChange={(e) => setKey(e.target.value)}
            placeholder="llamactl-mgmt-…"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'mgmt-key-error' : undefined}
          />
          {error && (
            <p id="mgmt-key-error" className="field-error" role="alert">
              {error}
            </p>
          )}
        </div>
        <label className="checkbox-inline">
          <input
            type="checkbox"
            checked={remember}
            onChange={(e) => setRemember(e.target.checked)}
          />
          Remember me on this browser
        </label>
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
