import { useState, type ReactNode } from 'react';
import { Dialog } from './dialog';
import { DialogActions } from './dialog-actions';

export function ConfirmDialog({
  title,
  body,
  confirmLabel,
  destructive,
  onConfirm,
  onClose,
}: {
  title: string;
  body: ReactNode;
  confirmLabel: string;
  destructive?: boolean;
  onConfirm(): Promise<unknown> | void;
  onClose(): void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      onClose();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={title}
      onClose={onClose}
      size="sm"
      footer={
        <DialogActions
          onCancel={onClose}
          onSubmit={() => void run()}
          label={confirmLabel}
          busy={busy}
          busyLabel="Working…"
          destructive={destructive}
          autoFocus
        />
      }
    >
      <div className="confirm-body">{body}</div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </Dialog>
  );
}
