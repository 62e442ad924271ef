import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Instance, InstanceOptions } from '../../../shared/api/instances';
import { instanceOverlay } from '../../lib/live-lists';
import { instancesApi } from './api';
import { instanceKeys } from './queries';

/** Writes one instance into the cached list (the events stream does the same). */
export function upsertInstance(list: Instance[] | undefined, inst: Instance): Instance[] {
  const rest = (list ?? []).filter((i) => i.name !== inst.name);
  return [...rest, inst];
}

/**
 * A request's answer into the cached list. Requests go through `instanceOverlay.fetchOne`, so
 * the answer is already what the event stream reported for that instance if that came while the
 * request was on its way (null: deleted meanwhile; undefined: no answer).
 */
function putAnswer(list: Instance[] | undefined, name: string, inst: Instance | null | undefined) {
  if (inst === undefined) return list;
  return inst === null ? (list ?? []).filter((i) => i.name !== name) : upsertInstance(list, inst);
}

function useSetInstance() {
  const qc = useQueryClient();
  return (name: string, inst: Instance | null | undefined) =>
    qc.setQueryData<Instance[]>(instanceKeys.list(), (old) => putAnswer(old, name, inst));
}

export type InstanceAction = 'start' | 'stop' | 'restart';

export function useInstanceAction() {
  const set = useSetInstance();
  return useMutation({
    mutationFn: ({ name, action }: { name: string; action: InstanceAction }) =>
      instanceOverlay.fetchOne(() => instancesApi[action](name)),
    onSuccess: (inst, { name }) => set(name, inst),
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
      instanceOverlay.fetchOne(() =>
        mode === 'create' ? instancesApi.create(name, options) : instancesApi.update(name, options),
      ),
    onSuccess: (inst, { name }) => set(name, inst),
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
        names.map((n) =>
          action === 'delete'
            ? instancesApi.remove(n)
            : instanceOverlay.fetchOne(() => instancesApi[action](n)),
        ),
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
            : putAnswer(old, name, r.value as Instance | null | undefined),
        );
      });
      return failed;
    },
  });
}
