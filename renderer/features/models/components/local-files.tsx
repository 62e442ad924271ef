import type { LocalModel } from '../../../../shared/api/library';
import { Icon } from '../../../components/icon';
import { Spinner } from '../../../components/spinner';
import { ActionsHeader } from '../../../components/table-parts';
import { toast } from '../../../components/toasts';
import { desktop } from '../../../lib/desktop';
import { formatBytes } from '../../../lib/format';
import { navigate, routeHref } from '../../../lib/router';
import { useInstancesUi } from '../../instances/ui-store';
import { localModelPrefill, modelFilePrefill } from '../local';
import { useLocalModels } from '../queries';

/** GGUF files in the models folders, each a click away from an instance. */
export function LocalFiles() {
  const local = useLocalModels();
  const openDialog = useInstancesUi((s) => s.open);
  const create = (m: LocalModel) => {
    navigate('instances');
    openDialog({ kind: 'create', prefill: localModelPrefill(m) });
  };
  // Desktop app only: any model file on this machine, from the native file dialog.
  const chooseFile = desktop()?.chooseModelFile;
  const addFile = async () => {
    try {
      const path = await chooseFile?.();
      if (!path) return;
      navigate('instances');
      openDialog({ kind: 'create', prefill: modelFilePrefill(path) });
    } catch (err) {
      toast.error(
        'Could not open the file dialog',
        err instanceof Error ? err.message : String(err),
      );
    }
  };
  const data = local.data;
  return (
    <section className="card table-card" aria-label="Local files">
      <div className="card-head local-head">
        <h2>Local files</h2>
        {local.isFetching && <Spinner size={14} />}
        <span className="muted small local-folders">
          GGUF files in {data ? data.folders.map((f) => f.path).join(', ') : 'the models folders'} ·{' '}
          <a href={routeHref('settings')}>change folders</a>
        </span>
        {chooseFile && (
          <button type="button" className="btn btn-secondary btn-sm" onClick={() => void addFile()}>
            <Icon name="plus" size={14} />
            Add a file…
          </button>
        )}
      </div>
      {local.error && <p className="card-pad text-danger">{local.error.message}</p>}
      {data && data.models.length === 0 && (
        <p className="card-pad muted">
          No GGUF files found. Put model files in one of these folders, or add a folder in Settings.
        </p>
      )}
      {data && data.models.length > 0 && (
        <table className="table local-table">
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col" className="hide-sm">
                Details
              </th>
              <th scope="col" className="num">
                Size
              </th>
              <ActionsHeader />
            </tr>
          </thead>
          <tbody>
            {data.models.map((m) => (
              <tr key={m.path} data-local={m.path}>
                <td>
                  <div className="cell-main mono">{m.name}</div>
                  {/* the folder may be cut short, the notes after it never are */}
                  <div className="cell-sub small muted local-sub">
                    <span className="mono truncate" title={m.path}>
                      {m.repo ?? m.folder}
                    </span>
                    {m.parts > 1 && <span className="local-note">· {m.parts} parts</span>}
                    {m.mmproj && (
                      <span className="local-note" title={m.mmproj}>
                        · with vision projector
                      </span>
                    )}
                  </div>
                </td>
                <td className="hide-sm small">
                  <span className="gguf-details">
                    {m.gguf?.architecture && <span>{m.gguf.architecture}</span>}
                    {m.gguf?.quantization && <span>{m.gguf.quantization}</span>}
                    {m.gguf?.context_length ? (
                      <span>{Math.round(m.gguf.context_length / 1024)}K ctx</span>
                    ) : null}
                  </span>
                </td>
                <td className="num">{formatBytes(m.size_bytes)}</td>
                <td className="actions-col">
                  <div className="row-actions">
                    <button
                      type="button"
                      className="btn btn-secondary btn-sm"
                      aria-label={`Create instance from ${m.name}`}
                      onClick={() => create(m)}
                    >
                      <Icon name="plus" size={14} />
                      Create instance
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data?.truncated && (
        <p className="card-pad small muted">The scan stopped early; not every file is listed.</p>
      )}
    </section>
  );
}
