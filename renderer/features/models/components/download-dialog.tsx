import { useDeferredValue, useState } from 'react';
import type { DownloadFormat } from '../../../../shared/api/models';
import { Dialog } from '../../../components/dialog';
import { DialogActions } from '../../../components/dialog-actions';
import { DialogForm } from '../../../components/dialog-form';
import { Field } from '../../../components/field';
import { Spinner } from '../../../components/spinner';
import { toast } from '../../../components/toasts';
import { ApiError } from '../../../lib/api-client';
import { formatBytes } from '../../../lib/format';
import { HfTokenForm } from '../../settings/components/hf-token-form';
import { useHfToken } from '../../settings/queries';
import { useStartDownload } from '../mutations';
import { useHubFiles } from '../queries';

export function splitRepo(value: string): { repo: string; tag: string } {
  const v = value.trim();
  const i = v.lastIndexOf(':');
  return i > 0 ? { repo: v.slice(0, i), tag: v.slice(i + 1) } : { repo: v, tag: '' };
}

export function repoError(value: string): string | null {
  const { repo } = splitRepo(value);
  if (!repo) return 'Enter a repository, e.g. bartowski/Llama-3.2-3B-Instruct-GGUF';
  if (!/^[^/\s]+\/[^\s]+$/.test(repo)) return 'Use the form org/model or org/model:tag';
  return null;
}

/**
 * Why a download of what the dialog has learnt about the repo can only fail, or null. A hub that
 * cannot be reached says nothing about the repo, so it does not block.
 */
export function blockedReason(
  format: DownloadFormat,
  hub: { error: Error | null; data?: { quantizations: unknown[] } },
): 'token' | 'missing' | 'no-gguf' | null {
  if (hub.error instanceof ApiError) {
    if (hub.error.status === 403 || hub.error.status === 401) return 'token';
    if (hub.error.status === 404) return 'missing';
  }
  if (format === 'gguf' && hub.data && hub.data.quantizations.length === 0) return 'no-gguf';
  return null;
}

export function DownloadDialog({
  onClose,
  initialRepo = '',
}: {
  onClose(): void;
  initialRepo?: string;
}) {
  const [format, setFormat] = useState<DownloadFormat>('gguf');
  const [value, setValue] = useState(initialRepo);
  const [tag, setTag] = useState('');
  const [touched, setTouched] = useState(false);
  const start = useStartDownload();
  const { repo, tag: typedTag } = splitRepo(value);
  const deferredRepo = useDeferredValue(repo);
  const hub = useHubFiles(format === 'gguf' ? deferredRepo : '');
  const err = touched ? repoError(value) : null;
  const chosenTag = typedTag || tag;
  // The dialog marks the repo's default quantization as chosen; sending it by name makes the job
  // and the cache carry that tag (Q4_K_M) instead of the server's fallback `main`.
  const listed = format === 'gguf' && deferredRepo === repo ? hub.data : undefined;
  const sentTag = chosenTag || listed?.default_tag || '';
  // without a tag, wait for the listing so the download gets the tag the dialog shows (a hub
  // that cannot be listed does not block: the server then picks under the tag `main`)
  const waiting = format === 'gguf' && !chosenTag && (deferredRepo !== repo || hub.isLoading);
  const token = useHfToken();
  // only what the listing of the repo now in the field says counts (not a stale answer)
  const blocked = format === 'gguf' && deferredRepo === repo ? blockedReason(format, hub) : null;

  const submit = async () => {
    setTouched(true);
    if (repoError(value) || blocked || waiting) return;
    try {
      const full = sentTag ? `${repo}:${sentTag}` : repo;
      await start.mutateAsync({ repo: full, format });
      toast.success('Download started', full);
      onClose();
    } catch (e) {
      toast.error('Could not start the download', e instanceof Error ? e : String(e));
    }
  };

  return (
    <Dialog
      size="lg"
      title="Download model"
      description="Files go to the local Hugging Face cache; progress shows on the Models page."
      onClose={onClose}
      footer={
        <DialogActions
          onCancel={onClose}
          onSubmit={() => void submit()}
          label="Start download"
          busy={start.isPending}
          disabled={blocked !== null || waiting}
          busyLabel="Starting…"
          icon="download"
        />
      }
    >
      <DialogForm className="stack" onSubmit={submit}>
        <fieldset className="segmented segmented-text segmented-wide">
          <legend className="sr-only">Format</legend>
          {(['gguf', 'safetensors'] as const).map((f) => (
            <label key={f} className={format === f ? 'active' : ''}>
              <input
                type="radio"
                name="format"
                value={f}
                checked={format === f}
                onChange={() => setFormat(f)}
                className="sr-only"
              />
              {f === 'gguf' ? 'GGUF (llama.cpp)' : 'Safetensors (vLLM, MLX)'}
            </label>
          ))}
        </fieldset>
        <Field
          label="Repository"
          error={err}
          help={
            format === 'gguf'
              ? 'org/model, optionally with a quantization tag (org/model:Q4_K_M).'
              : 'org/model; every safetensors file and the tokenizer are downloaded.'
          }
        >
          {(p) => (
            <input
              {...p}
              className="input mono"
              autoFocus
              value={value}
              onChange={(e) => setValue(e.target.value)}
              onBlur={() => value && setTouched(true)}
              placeholder={
                format === 'gguf'
                  ? 'bartowski/Llama-3.2-3B-Instruct-GGUF'
                  : 'Qwen/Qwen2.5-0.5B-Instruct'
              }
            />
          )}
        </Field>
        {format === 'gguf' && repo.includes('/') && (
          <div className="quant-picker">
            <div className="section-head">
              <h3 className="section-title">Quantization</h3>
              {hub.isFetching && <Spinner size={14} />}
            </div>
            {blocked === 'token' && (
              <div className="callout callout-warning stack" role="alert">
                <span>
                  {token.data?.set
                    ? `Hugging Face refused the token (${token.data.masked}) for this repository: it may be gated (accept its terms on huggingface.co) or private to another account.`
                    : 'This repository needs a Hugging Face token (it is gated or private), or it does not exist.'}
                </span>
                {token.data?.source !== 'environment' && <HfTokenForm compact />}
              </div>
            )}
            {blocked === 'missing' && (
              <p className="field-error" role="alert">
                No such repository on Hugging Face ({hub.error?.message}).
              </p>
            )}
            {hub.error && !blocked && (
              <p className="field-help">
                Could not list the files of this repository ({hub.error.message}). You can still
                type a tag after a colon.
              </p>
            )}
            {hub.data && hub.data.quantizations.length === 0 && (
              <p className="field-help">No GGUF files in this repository.</p>
            )}
            {hub.data && hub.data.quantizations.length > 0 && (
              <div className="quant-list" role="radiogroup" aria-label="Quantization">
                {hub.data.quantizations.map((q) => {
                  const selected = chosenTag
                    ? chosenTag.toLowerCase() === q.tag.toLowerCase()
                    : q.tag === hub.data!.default_tag;
                  return (
                    <label key={q.tag} className={`quant-option${selected ? ' selected' : ''}`}>
                      <input
                        type="radio"
                        name="quant"
                        className="sr-only"
                        checked={selected}
                        onChange={() => {
                          setTag(q.tag);
                          setValue(repo);
                        }}
                      />
                      <span className="quant-tag mono">{q.tag}</span>
                      <span className="muted small">
                        {formatBytes(q.size_bytes)}
                        {q.split ? ` · ${q.files.length} parts` : ''}
                        {q.tag === hub.data!.default_tag ? ' · default' : ''}
                      </span>
                    </label>
                  );
                })}
              </div>
            )}
          </div>
        )}
      </DialogForm>
    </Dialog>
  );
}
