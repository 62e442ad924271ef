import { create } from 'zustand';

const KEY = 'llamactl.guideDismissed';

function read(): boolean {
  try {
    return localStorage.getItem(KEY) === '1';
  } catch {
    return false;
  }
}

/** Whether the user closed the first-run banner (a browser-side choice, like dismissed jobs). */
export const useGuideBanner = create<{ dismissed: boolean; dismiss(): void }>((set) => ({
  dismissed: read(),
  dismiss: () => {
    try {
      localStorage.setItem(KEY, '1');
    } catch {
      // not persisted; hidden for this session
    }
    set({ dismissed: true });
  },
}));
