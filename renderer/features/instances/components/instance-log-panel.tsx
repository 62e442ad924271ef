import { useState } from 'react';
import { ErrorCallout } from '../../../components/error-callout';
import { LogOutput, useLogLines } from './log-viewer';

/** The last lines of the instance's log, followed live (the log dialog has search and more). */
export function InstanceLogPanel({ name, onOpenFull }: { name: string; onOpenFull(): void }) {
  const [follow, setFollow] = useState(true);
  const { lines, version, error, loading } = useLogLines(name, 200);
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
      <LogOutput
        name={name}
        lines={lines}
        version={version}
        empty={lines.length === 0}
        loading={loading}
        failed={!!error}
        follow={follow}
        className="log-panel-inline"
      />
    </section>
  );
}
