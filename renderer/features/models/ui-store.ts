import { create } from 'zustand';

const KEY = 'llamactl.dismissedJobs';

function read(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x) => typeof x === 'string').slice(-200) : [];
  } catch {
    return [];
  }
}

/**
 * Finished download jobs the user dismissed. The server keeps finished jobs for a day and
 * answers DELETE only for active ones (409 otherwise), so hiding them is a browser-side choice.
 */
export const useDismissedJobs = create<{
  ids: string[];
  dismiss(id: string): void;
  restore(id: string): void;
}>((set, get) => {
  const save = (ids: string[]) => {
    try {
      localStorage.setItem(KEY, JSON.stringify(ids));
    } catch {
      // not persisted; hidden for this session
    }
    set({ ids });
  };
  return {
    ids: read(),
    dismiss: (id) => save([...get().ids.filter((x) => x !== id), id].slice(-200)),
    restore: (id) => save(get().ids.filter((x) => x !== id)),
  };
});
