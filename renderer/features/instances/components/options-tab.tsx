import { useDeferredValue, useMemo, useState } from 'react';
import type { BackendType } from '../../../../shared/api/instances';
import { optionFields } from '../../../../shared/backends';
import { Icon } from '../../../components/icon';
import { OptionInput } from './option-input';

/** Rendered before "Show all": hundreds of inputs at once make the tab slow to open. */
const PAGE = 30;

export function OptionsTab({
  type,
  values,
  errors,
  onChange,
  browse,
}: {
  type: BackendType;
  values: Record<string, unknown>;
  errors: Record<string, string>;
  onChange(key: string, v: unknown): void;
  /** option keys that get a "Browse…" button (desktop app only), with what it does */
  browse?: Readonly<Record<string, () => void>>;
}) {
  const [query, setQuery] = useState('');
  const [onlySet, setOnlySet] = useState(false);
  const [showAll, setShowAll] = useState(false);
  const q = useDeferredValue(query.trim().toLowerCase());
  const fields = optionFields(type);
  const common = useMemo(() => fields.filter((f) => f.common), [fields]);
  const isSet = (k: string) => values[k] !== undefined && values[k] !== '';
  const rest = useMemo(
    () =>
      fields.filter(
        (f) =>
          !f.common &&
          (!onlySet || isSet(f.key) || errors[`backend_options.${f.key}`]) &&
          (!q ||
            // an option with an error stays in view, whatever the search, so it can be focused
            errors[`backend_options.${f.key}`] ||
            f.key.includes(q.replace(/-/g, '_').replace(/^_+/, '')) ||
            f.flag.includes(q) ||
            f.help.toLowerCase().includes(q) ||
            f.aliases.some((a) => a === q.replace(/^-+/, ''))),
      ),
    // isSet reads `values`
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [fields, q, onlySet, values, errors],
  );
  const setCount = fields.filter((f) => !f.common && isSet(f.key)).length;

  return (
    <div className="options-tab">
      <section>
        <h3 className="section-title">Common options</h3>
        <div className="option-grid">
          {common.map((f) => (
            <OptionInput
              key={f.key}
              field={f}
              value={values[f.key]}
              error={errors[`backend_options.${f.key}`]}
              onChange={onChange}
              onBrowse={browse?.[f.key]}
            />
          ))}
        </div>
      </section>
      <section>
        <div className="section-head">
          <h3 className="section-title">
            All options{' '}
            <span className="muted">
              ({fields.length - common.length}
              {setCount ? `, ${setCount} set` : ''})
            </span>
          </h3>
          <label className="checkbox-inline small">
            <input
              type="checkbox"
              checked={onlySet}
              onChange={(e) => setOnlySet(e.target.checked)}
            />
            Only options that are set
          </label>
        </div>
        <div className="search">
          <Icon name="search" />
          <input
            type="search"
            className="input"
            placeholder="Search options by name, flag or description…"
            aria-label="Search options"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
        </div>
        <div className="option-list">
          {(showAll || q
            ? rest
            : rest.filter((f, n) => n < PAGE || errors[`backend_options.${f.key}`])
          ).map((f) => (
            <OptionInput
              key={f.key}
              field={f}
              value={values[f.key]}
              error={errors[`backend_options.${f.key}`]}
              onChange={onChange}
              onBrowse={browse?.[f.key]}
            />
          ))}
          {!showAll && !q && rest.length > PAGE && (
            <div className="option-more">
              <button
                type="button"
                className="btn btn-secondary btn-sm"
                onClick={() => setShowAll(true)}
              >
                Show all {rest.length} options
              </button>
              <span className="muted small">or search above</span>
            </div>
          )}
          {rest.length === 0 && (
            <p className="muted center pad">
              No option matches “{query}”. Unknown flags can go to Advanced → Extra arguments.
            </p>
          )}
        </div>
      </section>
    </div>
  );
}
