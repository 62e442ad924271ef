import { useState } from 'react';
import type { HfTokenStorage } from '../../../../shared/api/settings';
import { ErrorCallout } from '../../../components/error-callout';
import { Icon } from '../../../components/icon';
import { Spinner } from '../../../components/spinner';
import { toast } from '../../../components/toasts';
import type { HfTokenStatus } from '../api';
import { useHfToken, useSetHfToken } from '../queries';

/**
 * The Hugging Face token: shown masked ("hf_…a1b2"), replaced or removed, never read back. Used
 * by Settings and by the download dialog when a repo needs a token. In the desktop app the
 * server offers the OS keychain (`keychain` in the status): Settings lets the user choose where
 * the token is kept; the download dialog's compact form saves it where Settings would.
 */
export function HfTokenForm({ compact }: { compact?: boolean }) {
  const status = useHfToken();
  const save = useSetHfToken();
  const [value, setValue] = useState('');
  const [picked, setPicked] = useState<HfTokenStorage | null>(null);
  if (status.isPending) return <Spinner label="Reading the token…" />;
  if (status.error) return <p className="text-danger">{status.error.message}</p>;
  const s = status.data;
  const fromEnv = s.source === 'environment';
  const keychain = s.keychain;
  // the stored token's place; with none, the keychain when it can protect the token
  const storage: HfTokenStorage =
    picked ?? (s.set || s.error ? s.storage : keychain?.available ? 'keychain' : 'file');
  const submit = () => {
    if (!value.trim()) return;
    save.mutate(keychain ? { token: value.trim(), storage } : { token: value.trim() }, {
      onSuccess: () => {
        setValue('');
        setPicked(null);
        toast.success('Hugging Face token saved');
      },
      onError: (err) => toast.error('Could not save the token', err),
    });
  };
  const choose = (next: HfTokenStorage) => {
    setPicked(next);
    // a readable stored token moves at once; otherwise the choice applies to the next save
    if (s.set && !fromEnv && next !== s.storage)
      save.mutate(
        { storage: next },
        {
          onSuccess: () => {
            setPicked(null);
            toast.success(
              next === 'keychain'
                ? 'The token is now encrypted with the OS keychain'
                : 'The token is now kept in the token file',
            );
          },
          onError: (err) => {
            setPicked(null);
            toast.error('Could not move the token', err);
          },
        },
      );
  };
  return (
    <div className="stack">
      <p className="effective" aria-live="polite">
        {s.set ? (
          <>
            <Icon name="key" size={14} />
            Token <code data-testid="hf-token-masked">{s.masked}</code>
            {whereKept(s)}
          </>
        ) : (
          !s.error &&
          'No token. Public models download without one; gated and private repos need it.'
        )}
      </p>
      {s.error && <ErrorCallout>{s.error}</ErrorCallout>}
      {fromEnv ? (
        <p className="small muted">
          HF_TOKEN wins over a stored token; unset it to manage the token here.
        </p>
      ) : (
        <>
          {keychain && !compact && (
            <fieldset className="storage-choice" disabled={save.isPending}>
              <legend className="field-label">Keep the token</legend>
              <label className="radio-row">
                <input
                  type="radio"
                  name="hf-token-storage"
                  value="keychain"
                  checked={storage === 'keychain'}
                  disabled={!keychain.available}
                  onChange={() => choose('keychain')}
                />
                <span>
                  <strong>Encrypted with {keychain.label}</strong>
                  <span className="field-help">
                    {keychain.available
                      ? `Kept in ${keychain.file}; the token file is not written, so other Hugging Face tools (hf, Python) do not see the token.`
                      : `Not available: ${keychain.reason ?? 'the OS keychain cannot be used'}.`}
                  </span>
                </span>
              </label>
              <label className="radio-row">
                <input
                  type="radio"
                  name="hf-token-storage"
                  value="file"
                  checked={storage === 'file'}
                  onChange={() => choose('file')}
                />
                <span>
                  <strong>In the Hugging Face token file</strong>
                  <span className="field-help">
                    {s.file}, readable by your user account; shared with the hf CLI and Python
                    tools.
                  </span>
                </span>
              </label>
            </fieldset>
          )}
          {keychain && compact && (
            <p className="small muted">
              {storage === 'keychain'
                ? `Saved encrypted with ${keychain.label}.`
                : `Saved in ${s.file}.`}
            </p>
          )}
          {/* not a <form>: it also sits inside the download dialog's form */}
          <div className="inline-form" role="group" aria-label="Set the Hugging Face token">
            <input
              className="input mono"
              type="password"
              autoComplete="off"
              spellCheck={false}
              aria-label="Hugging Face token"
              placeholder={s.set ? 'Replace with a new token' : 'hf_…'}
              value={value}
              onChange={(e) => setValue(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault();
                  submit();
                }
              }}
            />
            <button
              type="button"
              className="btn btn-primary"
              disabled={!value.trim() || save.isPending}
              onClick={submit}
            >
              Save token
            </button>
            {(s.set || s.error) && !compact && (
              <button
                type="button"
                className="btn btn-secondary"
                disabled={save.isPending}
                onClick={() =>
                  save.mutate(null, {
                    onSuccess: () => toast.success('Hugging Face token removed'),
                    onError: (err) => toast.error('Could not remove the token', err),
                  })
                }
              >
                Remove token
              </button>
            )}
          </div>
        </>
      )}
    </div>
  );
}

function whereKept(s: HfTokenStatus): string {
  if (s.source === 'environment') return ' from HF_TOKEN in the server environment';
  if (s.source === 'keychain')
    return ` encrypted with ${s.keychain?.label ?? 'the OS keychain'} in ${s.keychain?.file ?? 'the data folder'}`;
  return ` kept in ${s.file}`;
}
