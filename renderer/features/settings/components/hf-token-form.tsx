import { useState } from 'react';
import { Icon } from '../../../components/icon';
import { Spinner } from '../../../components/spinner';
import { toast } from '../../../components/toasts';
import { useHfToken, useSetHfToken } from '../queries';

/**
 * The Hugging Face token: shown masked ("hf_…a1b2"), replaced or removed, never read back. Used
 * by Settings and by the download dialog when a repo needs a token.
 */
export function HfTokenForm({ compact }: { compact?: boolean }) {
  const status = useHfToken();
  const save = useSetHfToken();
  const [value, setValue] = useState('');
  const fromEnv = status.data?.source === 'environment';
  if (status.isPending) return <Spinner label="Reading the token…" />;
  if (status.error) return <p className="text-danger">{status.error.message}</p>;
  const s = status.data;
  const submit = () => {
    if (!value.trim()) return;
    save.mutate(value.trim(), {
      onSuccess: () => {
        setValue('');
        toast.success('Hugging Face token saved');
      },
      onError: (err) => toast.error('Could not save the token', err.message),
    });
  };
  return (
    <div className="stack">
      <p className="effective" aria-live="polite">
        {s.set ? (
          <>
            <Icon name="key" size={14} />
            Token <code data-testid="hf-token-masked">{s.masked}</code>
            {fromEnv ? ' from HF_TOKEN in the server environment' : ` kept in ${s.file}`}
          </>
        ) : (
          'No token. Public models download without one; gated and private repos need it.'
        )}
      </p>
      {fromEnv ? (
        <p className="small muted">
          HF_TOKEN wins over a stored token; unset it to manage the token here.
        </p>
      ) : (
        // not a <form>: it also sits inside the download dialog's form
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
          {s.set && !compact && (
            <button
              type="button"
              className="btn btn-secondary"
              disabled={save.isPending}
              onClick={() =>
                save.mutate(null, {
                  onSuccess: () => toast.success('Hugging Face token removed'),
                  onError: (err) => toast.error('Could not remove the token', err.message),
                })
              }
            >
              Remove token
            </button>
          )}
        </div>
      )}
    </div>
  );
}
