import { create } from 'zustand';
import type { InstanceOptions } from '../../../shared/api/instances';
import type { Sort, SortKey } from './table';

export type InstanceDialog =
  | { kind: 'create'; prefill?: { name?: string; options?: Partial<InstanceOptions> } }
  | { kind: 'edit'; name: string }
  | { kind: 'logs'; name: string }
  | { kind: 'models'; name: string }
  | { kind: 'delete'; name: string }
  | { kind: 'delete-many'; names: string[] }
  | null;

export type StatusFilter = 'all' | 'running' | 'stopped' | 'failed';

interface InstancesUi {
  dialog: InstanceDialog;
  search: string;
  status: StatusFilter;
  backend: string;
  sort: Sort;
  /** names of the rows ticked for Start / Stop / Delete */
  selected: string[];
  open(d: InstanceDialog): void;
  close(): void;
  setSearch(s: string): void;
  setStatus(s: StatusFilter): void;
  setBackend(b: string): void;
  /** sorts by `key`; the same key again flips the direction */
  sortBy(key: SortKey): void;
  toggleSelected(name: string): void;
  setSelected(names: string[]): void;
}

/**
 * UI-only state of the instances page (which dialog is open, filters, sort, selection); server
 * data lives in react-query.
 */
export const useInstancesUi = create<InstancesUi>((set, get) => ({
  dialog: null,
  search: '',
  status: 'all',
  backend: 'all',
  sort: { key: 'name', dir: 'asc' },
  selected: [],
  open: (dialog) => set({ dialog }),
  close: () => set({ dialog: null }),
  setSearch: (search) => set({ search }),
  setStatus: (status) => set({ status }),
  setBackend: (backend) => set({ backend }),
  sortBy: (key) => {
    const { sort } = get();
    set({
      sort: { key, dir: sort.key === key && sort.dir === 'asc' ? 'desc' : 'asc' },
    });
  },
  toggleSelected: (name) => {
    const { selected } = get();
    set({
      selected: selected.includes(name) ? selected.filter((n) => n !== name) : [...selected, name],
    });
  },
  setSelected: (selected) => set({ selected }),
}));

export const useInstanceDialog = () => useInstancesUi((s) => s.dialog);
export const useOpenInstanceDialog = () => useInstancesUi((s) => s.open);
export const useCloseInstanceDialog = () => useInstancesUi((s) => s.close);
