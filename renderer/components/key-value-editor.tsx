import { type KvRow } from '../lib/kv-rows';
import { Icon } from './icon';

export { fromRows, toRows, type KvRow } from '../lib/kv-rows';

/** Rows of key/value pairs; keeps blank rows while editing so focus isn't lost. */
export function KeyValueEditor({
  rows,
  onChange,
  keyLabel,
  valueLabel,
  keyPlaceholder,
  valuePlaceholder,
  addLabel,
}: {
  rows: KvRow[];
  onChange(rows: KvRow[]): void;
  keyLabel: string;
  valueLabel: string;
  keyPlaceholder?: string;
  valuePlaceholder?: string;
  addLabel: string;
}) {
  const update = (i: number, patch: Partial<KvRow>) =>
    onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="kv-editor">
      {rows.length > 0 && (
        <div className="kv-head" aria-hidden="true">
          <span>{keyLabel}</span>
          <span>{valueLabel}</span>
          <span />
        </div>
      )}
      {rows.map((r, i) => (
        <div className="kv-row" key={i}>
          <input
            className="input mono"
            aria-label={`${keyLabel} ${i + 1}`}
            value={r.key}
            placeholder={keyPlaceholder}
            onChange={(e) => update(i, { key: e.target.value })}
          />
          <input
            className="input mono"
            aria-label={`${valueLabel} ${i + 1}`}
            value={r.value}
            placeholder={valuePlaceholder}
            onChange={(e) => update(i, { value: e.target.value })}
          />
          <button
            type="button"
            className="btn btn-ghost btn-icon"
            aria-label={`Remove row ${i + 1}`}
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
          >
            <Icon name="x" size={14} />
          </button>
        </div>
      ))}
      <button
        type="button"
        className="btn btn-secondary btn-sm"
        onClick={() => onChange([...rows, { key: '', value: '' }])}
      >
        <Icon name="plus" size={14} />
        {addLabel}
      </button>
    </div>
  );
}
