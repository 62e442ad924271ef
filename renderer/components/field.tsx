import { useId, type ReactNode } from 'react';

/** A labelled form control with help text and an inline error, wired for screen readers. */
export function Field({
  label,
  help,
  error,
  children,
  inline,
  name,
}: {
  label: ReactNode;
  /** the form field's path (e.g. `idle_timeout`), so an error can find and focus it */
  name?: string;
  help?: ReactNode;
  error?: string | null;
  inline?: boolean;
  children: (props: {
    id: string;
    'aria-describedby'?: string;
    'aria-invalid'?: boolean;
  }) => ReactNode;
}) {
  const id = useId();
  const helpId = `${id}-help`;
  const errId = `${id}-err`;
  const describedBy =
    [help ? helpId : '', error ? errId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div
      className={`field${inline ? ' field-inline' : ''}${error ? ' has-error' : ''}`}
      data-field={name}
    >
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined })}
      {help && (
        <p id={helpId} className="field-help">
          {help}
        </p>
      )}
      {error && (
        <p id={errId} className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

export function Checkbox({
  label,
  checked,
  onChange,
  help,
}: {
  label: ReactNode;
  checked: boolean;
  onChange(v: boolean): void;
  help?: ReactNode;
}) {
  const id = useId();
  return (
    <div className="checkbox-field">
      <input
        id={id}
        type="checkbox"
        className="switch"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
        aria-describedby={help ? `${id}-help` : undefined}
      />
      <div>
        <label htmlFor={id} className="checkbox-label">
          {label}
        </label>
        {help && (
          <p id={`${id}-help`} className="field-help">
            {help}
          </p>
        )}
      </div>
    </div>
  );
}
