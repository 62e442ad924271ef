import { memo, useId } from 'react';
import { rangeText, type BackendOptionField } from '../../../../shared/backends';

/** Typed control for one backend option; numbers keep the user's text until it parses. */
function OptionInputImpl({
  field,
  value,
  error,
  onChange,
  showFlag = true,
  onBrowse,
}: {
  field: BackendOptionField;
  value: unknown;
  error?: string;
  onChange(key: string, v: unknown): void;
  showFlag?: boolean;
  /** a file field in the desktop app: "Browse…" opens the native file dialog */
  onBrowse?: () => void;
}) {
  const id = useId();
  const help = `${id}-help`;
  const err = `${id}-err`;
  const describedBy = [help, error ? err : ''].filter(Boolean).join(' ');
  const label = (
    <label htmlFor={id} className="option-label">
      <span className="option-key">{field.key}</span>
      {showFlag && <span className="option-flag mono">{field.flag}</span>}
    </label>
  );
  let control;
  if (field.type === 'bool') {
    control = (
      <input
        id={id}
        type="checkbox"
        className="switch"
        checked={value === true}
        aria-describedby={describedBy}
        onChange={(e) => onChange(field.key, e.target.checked ? true : undefined)}
      />
    );
  } else if (field.type === 'str[]') {
    const text = Array.isArray(value) ? value.join('\n') : typeof value === 'string' ? value : '';
    control = (
      <textarea
        id={id}
        className="input mono"
        rows={2}
        value={text}
        placeholder="one value per line"
        aria-describedby={describedBy}
        aria-invalid={error ? true : undefined}
        onChange={(e) => {
          const lines = e.target.value.split('\n');
          onChange(field.key, lines.length === 1 && lines[0] === '' ? undefined : lines);
        }}
      />
    );
  } else {
    const numeric = field.type === 'int' || field.type === 'num';
    control = (
      <input
        id={id}
        className={`input${numeric ? ' mono' : ''}`}
        inputMode={field.type === 'int' ? 'numeric' : field.type === 'num' ? 'decimal' : undefined}
        value={value === undefined || value === null ? '' : String(value)}
        aria-describedby={describedBy}
        aria-invalid={error ? true : undefined}
        onChange={(e) => {
          const raw = e.target.value;
          if (raw === '') return onChange(field.key, undefined);
          if (numeric) {
            const t = raw.trim();
            const ok =
              field.type === 'int'
                ? /^[+-]?\d+$/.test(t)
                : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t);
            // keep the text while it doesn't parse (e.g. "0." mid-typing); validation shows why
            return onChange(field.key, ok && !t.endsWith('.') ? Number(t) : raw);
          }
          onChange(field.key, raw);
        }}
      />
    );
  }
  if (onBrowse && field.type === 'str')
    control = (
      <div className="input-with-button">
        {control}
        <button
          type="button"
          className="btn btn-secondary btn-sm"
          aria-label={`Browse for the ${field.key} file`}
          onClick={onBrowse}
        >
          Browse…
        </button>
      </div>
    );
  return (
    <div
      className={`option-field option-${field.type === 'bool' ? 'bool' : 'value'}${error ? ' has-error' : ''}`}
      data-option={field.key}
    >
      {field.type === 'bool' ? (
        <div className="option-bool-row">
          {control}
          {label}
        </div>
      ) : (
        <>
          {label}
          {control}
        </>
      )}
      <p id={help} className="field-help">
        {field.help}
        {rangeText(field) && <span className="option-range"> · {rangeText(field)}</span>}
        {field.aliases.length > 0 && (
          <span className="option-aliases">
            {' '}
            · also{' '}
            {field.aliases
              .map((a) => (a.length <= 3 ? `-${a}` : `--${a.replace(/_/g, '-')}`))
              .join(', ')}
          </span>
        )}
      </p>
      {error && (
        <p id={err} className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

export const OptionInput = memo(OptionInputImpl);
