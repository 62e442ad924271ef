import { ConfirmDialog } from '../../../components/confirm-dialog';
import { toast } from '../../../components/toasts';
import { useDeleteInstance } from '../mutations';
import { useCloseInstanceDialog } from '../ui-store';

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
