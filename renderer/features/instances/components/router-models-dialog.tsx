import { Badge } from '../../../components/badge';
import { Dialog } from '../../../components/dialog';
import { ErrorCallout } from '../../../components/error-callout';
import { EmptyState } from '../../../components/empty-state';
import { Icon } from '../../../components/icon';
import { Spinner } from '../../../components/spinner';
import { ActionsHeader } from '../../../components/table-parts';
import { toast } from '../../../components/toasts';
import { useRouterModelAction } from '../mutations';
import { useInstances, useRouterModels } from '../queries';
import { useCloseInstanceDialog } from '../ui-store';

export function RouterModelsDialog({ name }: { name: string }) {
  const close = useCloseInstanceDialog();
  const { data: instances } = useInstances();
  const inst = instances?.find((i) => i.name === name);
  const running = inst?.status === 'running';
  const { data, isPending, error, refetch, isFetching } = useRouterModels(name, running);
  const action = useRouterModelAction(name);
  const models = data?.data ?? [];
  return (
    <Dialog
      size="lg"
      title={`Models: ${name}`}
      description="In router mode llama-server loads models on request. Load one ahead of time or unload it to free memory."
      onClose={close}
      headerExtra={
        running ? (
          <button
            type="button"
            className="btn btn-secondary btn-sm"
            onClick={() => void refetch()}
            disabled={isFetching}
          >
            <Icon name="restart" size={14} />
            Refresh
          </button>
        ) : undefined
      }
    >
      {!running && (
        <EmptyState icon="layers" title="The instance is not running">
          <p>Start it to see and manage its models.</p>
        </EmptyState>
      )}
      {running && isPending && <Spinner label="Loading models…" />}
      {running && error && <ErrorCallout>{error.message}</ErrorCallout>}
      {running && data && models.length === 0 && (
        <EmptyState icon="layers" title="No models found">
          <p>Add models through a preset (Advanced tab) or the models folder.</p>
        </EmptyState>
      )}
      {models.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">State</th>
              <ActionsHeader />
            </tr>
          </thead>
          <tbody>
            {models.map((m) => {
              const st = m.status?.value ?? 'unloaded';
              return (
                <tr key={m.id}>
                  <td className="mono">{m.id}</td>
                  <td>
                    <Badge
                      tone={st === 'loaded' ? 'success' : st === 'loading' ? 'info' : 'neutral'}
                      dot
                      pulse={st === 'loading'}
                    >
                      {st[0].toUpperCase() + st.slice(1)}
                    </Badge>
                  </td>
                  <td className="actions-col">
                    {st === 'loaded' && (
                      <button
                        type="button"
                        className="btn btn-secondary btn-sm"
                        onClick={() =>
                          action.mutate(
                            { model: m.id, action: 'unload' },
                            { onError: (e) => toast.error('Unload failed', e) },
                          )
                        }
                      >
                        Unload
                      </button>
                    )}
                    {st === 'unloaded' && (
                      <button
                        type="button"
                        className="btn btn-primary btn-sm"
                        onClick={() =>
                          action.mutate(
                            { model: m.id, action: 'load' },
                            { onError: (e) => toast.error('Load failed', e) },
                          )
                        }
                      >
                        Load
                      </button>
                    )}
                    {st === 'loading' && <Spinner size={14} />}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Dialog>
  );
}
