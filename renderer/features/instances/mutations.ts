import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Instance, InstanceOptions } from '../../../shared/api/instances';
import { instancesApi } from './api';
import { instanceKeys } from './queries';

/** Writes one instance into the cached list (the events stream does the same). */
export function upsertInstance(list: Instance[] | undefined, inst: Instance): Instance[] {
  const rest = (list ?? []).filter((i) => i.name !== inst.name);
  return [...rest, inst];
}

function useSetInstance() {
  const qc = useQueryClient();
  return (inst: Instance) =>
    qc.setQueryData<Instance[]>(instanceKeys.list(), (old) => upsertInstance(old, inst));
}

export type InstanceAction = 'start' | 'stop' | 'restart';

export function useInstanceAction() {
  const set = useSetInstance();
  return useMutation({
    mutationFn: ({ name, action }: { name: string; action: InstanceAction }) =>
      instancesApi[action](name),
    onSuccess: (inst) => inst && set(inst),
  });
}

export function useSaveInstance() {
  const set = useSetInstance();
  return useMutation({
    mutationFn: ({
      name,
      options,
      mode,
    }: {
      name: string;
      options: Partial<InstanceOptions>;
      mode: 'create' | 'edit';
    }) =>
      mode === 'create' ? instancesApi.create(name, options) : instancesApi.update(name, options),
    onSuccess: (inst) => inst && set(inst),
  });
}

export function useDeleteInstance() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => instancesApi.remove(name),
    onSuccess: (_r, name) =>
      qc.setQueryData<Instance[]>(instanceKeys.list(), (old) =>
        (old ?? []).filter((i) => i.name !== name),
      ),
  });
}

export function useRouterModelAction(name: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ model, action }: { model: string; action: 'load' | 'unload' }) =>
      action === 'load'
        ? instancesApi.loadModel(name, model)
        : instancesApi.unloadModel(name, model),
    onSettled: () => qc.invalidateQueries({ queryKey: instanceKeys.routerModels(name) }),
  });
}

export type BulkAction = 'start' | 'stop' | 'delete';

/**
 * One action on several instances at once (the table's selection, Stop all): every request is
 * sent, each answer lands in the list, and the failures come back by name instead of stopping
 * at the first.
 */
export function useBulkAction() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ names, action }: { names: string[]; action: BulkAction }) => {
      const results = await Promise.allSettled(
        names.map((n) => (action === 'delete' ? instancesApi.remove(n) : instancesApi[action](n))),
      );
      const failed: { name: string; error: Error }[] = [];
      results.forEach((r, k) => {
        const name = names[k]!;
        if (r.status === 'rejected') {
          failed.push({
            name,
            error: r.reason instanceof Error ? r.reason : new Error(String(r.reason)),
          });
          return;
        }
        qc.setQueryData<Instance[]>(instanceKeys.list(), (old) =>
          action === 'delete'
            ? (old ?? []).filter((i) => i.name !== name)
            : r.value
              ? upsertInstance(old, r.value as Instance)
              : old,
        );
      });
      return failed;
    },
  });
}
