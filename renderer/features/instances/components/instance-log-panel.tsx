import { useEffect, useRef, useState } from 'react';
import { ErrorCallout } from '../../../components/error-callout';
import { lineClass, useLogLines } from './log-viewer';

/** The last lines of the instance's log, followed live (the log dialog has search and more). */
export function InstanceLogPanel({ name, onOpenFull }: { name: string; onOpenFull(): void }) {
  const [follow, setFollow] = useState(true);
  const { lines, version, error, loading } = useLogLines(name, 200);
  const scroller = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (follow && scroller.current) scroller.current.scrollTop = scroller.current.scrollHeight;
  }, [version, follow]);
  return (
    <section className="card">
      <div className="card-head">
        <h2>Log</h2>
        <div className="card-head-actions">
          <label className="checkbox-inline small">
            <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} />
            Follow
          </label>
          <button type="button" className="btn btn-secondary btn-sm" onClick={onOpenFull}>
            Search and download…
          </button>
        </div>
      </div>
      {error && <ErrorCallout>{error}</ErrorCallout>}
      <div
        className="log-panel log-panel-inline mono"
        ref={scroller}
        role="log"
        aria-label={`Log output of ${name}`}
        tabIndex={0}
      >
        {loading && lines.length === 0 && <div className="log-empty">Loading…</div>}
        {!loading && lines.length === 0 && !error && (
          <div className="log-empty">
            No log output yet. Start the instance to see its output here.
          </div>
        )}
        {lines.map((l, i) => (
          <div key={i} className={`log-line ${lineClass(l)}`}>
            {l || '\u00a0'}
          </div>
        ))}
      </div>
    </section>
  );
}
