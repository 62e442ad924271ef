import { create } from 'zustand';
import type { InstanceOptions } from '../../../shared/api/instances';

export type InstanceDialog =
  | { kind: 'create'; prefill?: { name?: string; options?: Partial<InstanceOptions> } }
  | { kind: 'edit'; name: string }
  | { kind: 'logs'; name: string }
  | { kind: 'models'; name: string }
  | { kind: 'delete'; name: string }
  | null;

export type StatusFilter = 'all' | 'running' | 'stopped' | 'failed';

interface InstancesUi {
  dialog: InstanceDialog;
  search: string;
  status: StatusFilter;
  backend: string;
  open(d: InstanceDialog): void;
  close(): void;
  setSearch(s: string): void;
  setStatus(s: StatusFilter): void;
  setBackend(b: string): void;
}

/** UI-only state of the instances page (which dialog is open, filters); server data lives in react-query. */
export const useInstancesUi = create<InstancesUi>((set) => ({
  dialog: null,
  search: '',
  status: 'all',
  backend: 'all',
  open: (dialog) => set({ dialog }),
  close: () => set({ dialog: null }),
  setSearch: (search) => set({ search }),
  setStatus: (status) => set({ status }),
  setBackend: (backend) => set({ backend }),
}));

export const useInstanceDialog = () => useInstancesUi((s) => s.dialog);
export const useOpenInstanceDialog = () => useInstancesUi((s) => s.open);
export const useCloseInstanceDialog = () => useInstancesUi((s) => s.close);
