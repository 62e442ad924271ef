import { useState } from 'react';
import { Dialog } from '../../../components/dialog';
import { DialogActions } from '../../../components/dialog-actions';
import { DialogForm } from '../../../components/dialog-form';
import { Field } from '../../../components/field';
import { ApiError } from '../../../lib/api-client';
import { useInstances } from '../../instances/queries';
import type { CreatedApiKey, PermissionMode } from '../api';
import { useCreateApiKey } from '../queries';

const EXPIRY_CHOICES: { label: string; days: number | null }[] = [
  { label: 'Never', days: null },
  { label: '7 days', days: 7 },
  { label: '30 days', days: 30 },
  { label: '90 days', days: 90 },
  { label: '1 year', days: 365 },
];

export function CreateKeyDialog({
  onClose,
  onCreated,
}: {
  onClose(): void;
  onCreated(k: CreatedApiKey): void;
}) {
  const [name, setName] = useState('');
  const [mode, setMode] = useState<PermissionMode>('allow_all');
  const [ids, setIds] = useState<number[]>([]);
  const [expiry, setExpiry] = useState<number | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const { data: instances } = useInstances();
  const create = useCreateApiKey();

  const submit = async () => {
    const e: Record<string, string> = {};
    if (!name.trim()) e.name = 'Give the key a name, e.g. the application that will use it.';
    else if (new TextEncoder().encode(name.trim()).length > 100)
      e.name = 'Name must be 100 characters or less.';
    if (mode === 'per_instance' && ids.length === 0) e.instances = 'Choose at least one instance.';
    setErrors(e);
    if (Object.keys(e).length) return;
    try {
      // expiry counts from now (not UTC midnight), so "7 days" means 7 days in every timezone
      const expires_at = expiry ? Math.floor(Date.now() / 1000) + expiry * 86400 : undefined;
      const k = await create.mutateAsync({
        name: name.trim(),
        permission_mode: mode,
        ...(mode === 'per_instance' ? { instance_ids: ids } : {}),
        ...(expires_at ? { expires_at } : {}),
      });
      onCreated(k);
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) {
        const field =
          err.code === 'invalid_name'
            ? 'name'
            : err.code === 'missing_permissions' || err.code === 'invalid_instance_id'
              ? 'instances'
              : 'form';
        setErrors({ [field]: err.details || err.message });
      } else setErrors({ form: err instanceof Error ? err.message : String(err) });
    }
  };

  return (
    <Dialog
      title="Create API key"
      description="The key is shown once after creation."
      onClose={onClose}
      footer={
        <DialogActions
          onCancel={onClose}
          onSubmit={() => void submit()}
          label="Create key"
          busy={create.isPending}
          busyLabel="Creating…"
        />
      }
    >
      <DialogForm className="stack" onSubmit={submit}>
        {errors.form && (
          <p className="form-error" role="alert">
            {errors.form}
          </p>
        )}
        <Field label="Name" error={errors.name}>
          {(p) => (
            <input
              {...p}
              className="input"
              autoFocus
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="open-webui"
            />
          )}
        </Field>
        <fieldset className="field">
          <legend className="field-label">Access</legend>
          <label className="radio-row">
            <input
              type="radio"
              name="mode"
              checked={mode === 'allow_all'}
              onChange={() => setMode('allow_all')}
            />
            <span>
              <strong>All instances</strong>
              <span className="field-help">Including instances created later.</span>
            </span>
          </label>
          <label className="radio-row">
            <input
              type="radio"
              name="mode"
              checked={mode === 'per_instance'}
              onChange={() => setMode('per_instance')}
            />
            <span>
              <strong>Chosen instances</strong>
              <span className="field-help">Only the instances ticked below.</span>
            </span>
          </label>
          {mode === 'per_instance' && (
            <div className="check-list" role="group" aria-label="Instances this key may use">
              {(instances ?? []).length === 0 && <p className="muted small">No instances yet.</p>}
              {(instances ?? []).map((i) => (
                <label key={i.id} className="checkbox-inline">
                  <input
                    type="checkbox"
                    checked={ids.includes(i.id)}
                    onChange={(e) =>
                      setIds(e.target.checked ? [...ids, i.id] : ids.filter((x) => x !== i.id))
                    }
                  />
                  {i.name}
                </label>
              ))}
            </div>
          )}
          {errors.instances && (
            <p className="field-error" role="alert">
              {errors.instances}
            </p>
          )}
        </fieldset>
        <Field label="Expires">
          {(p) => (
            <select
              {...p}
              className="select"
              value={expiry ?? ''}
              onChange={(e) => setExpiry(e.target.value ? Number(e.target.value) : null)}
            >
              {EXPIRY_CHOICES.map((c) => (
                <option key={c.label} value={c.days ?? ''}>
                  {c.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      </DialogForm>
    </Dialog>
  );
}
