import { ConfirmDialog } from '../../../components/confirm-dialog';
import { toast } from '../../../components/toasts';
import { useBulkAction, useDeleteInstance } from '../mutations';
import { useCloseInstanceDialog, useInstancesUi } from '../ui-store';

export function DeleteInstanceDialog({ name }: { name: string }) {
  const close = useCloseInstanceDialog();
  const del = useDeleteInstance();
  return (
    <ConfirmDialog
      title={`Delete ${name}?`}
      body={
        <p>
          The instance <strong>{name}</strong> and its settings are removed. API keys limited to it
          lose access to it. Model files and log files stay on disk.
        </p>
      }
      confirmLabel="Delete instance"
      destructive
      onConfirm={async () => {
        await del.mutateAsync(name);
        toast.success(`Deleted ${name}`);
      }}
      onClose={close}
    />
  );
}

/** The selection's Delete: one confirmation naming how many, then every delete is sent. */
export function DeleteInstancesDialog({ names }: { names: string[] }) {
  const close = useCloseInstanceDialog();
  const setSelected = useInstancesUi((s) => s.setSelected);
  const bulk = useBulkAction();
  const count = `${names.length} instance${names.length === 1 ? '' : 's'}`;
  return (
    <ConfirmDialog
      title={`Delete ${count}?`}
      body={
        <>
          <p>
            These instances and their settings are removed. API keys limited to them lose access.
            Model files and log files stay on disk.
          </p>
          <ul className="confirm-list mono small">
            {names.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </>
      }
      confirmLabel={`Delete ${count}`}
      destructive
      onConfirm={async () => {
        const failed = await bulk.mutateAsync({ names, action: 'delete' });
        // what was deleted leaves the selection; what was not (failed, running) stays ticked
        setSelected(
          useInstancesUi
            .getState()
            .selected.filter((n) => !names.includes(n) || failed.some((f) => f.name === n)),
        );
        if (failed.length > 0)
          throw new Error(
            `Could not delete ${failed.map((f) => `${f.name} (${f.error.message})`).join(', ')}.`,
          );
        toast.success(`Deleted ${count}`);
      }}
      onClose={close}
    />
  );
}
