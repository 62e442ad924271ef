import { useServerReachable } from '../lib/connection';
import { Icon, type IconName } from './icon';

/**
 * The Cancel + submit pair at the foot of a dialog. While `busy` the submit button is disabled
 * and shows `busyLabel`, so a double click cannot send the request twice.
 */
export function DialogActions({
  onCancel,
  onSubmit,
  label,
  busy,
  busyLabel,
  icon,
  destructive,
  autoFocus,
  disabled,
}: {
  onCancel(): void;
  onSubmit(): void;
  label: string;
  busy: boolean;
  busyLabel: string;
  icon?: IconName;
  destructive?: boolean;
  /** the dialog focuses this button first (used where the dialog has no field to type in) */
  autoFocus?: boolean;
  /** the dialog already knows the request can only fail */
  disabled?: boolean;
}) {
  // nothing can be saved while the server is gone (the banner says so)
  const online = useServerReachable();
  return (
    <>
      <button type="button" className="btn btn-secondary" onClick={onCancel}>
        Cancel
      </button>
      <button
        type="button"
        className={`btn ${destructive ? 'btn-danger' : 'btn-primary'}`}
        onClick={onSubmit}
        disabled={busy || disabled || !online}
        data-autofocus={autoFocus || undefined}
      >
        {icon && <Icon name={icon} size={14} />}
        {busy ? busyLabel : label}
      </button>
    </>
  );
}
