import { create } from 'zustand';

const STORAGE_KEY = 'llamactl.managementKey';

export type AuthStatus = 'checking' | 'signed-out' | 'signed-in';

interface AuthState {
  status: AuthStatus;
  key: string | null;
  /** why the user was sent back to sign-in (expired or revoked key) */
  notice: string | null;
  signIn(key: string, remember: boolean): void;
  signOut(notice?: string): void;
  setChecking(key: string | null): void;
}

/** The remembered key: localStorage when the user asked to be remembered, else this tab only. */
export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function persist(key: string | null, remember: boolean): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
    localStorage.removeItem(STORAGE_KEY);
    if (key === null) return;
    (remember ? localStorage : sessionStorage).setItem(STORAGE_KEY, key);
  } catch {
    // storage can be disabled (private mode); the key then lives in memory only
  }
}

export const useAuthStore = create<AuthState>((set) => ({
  status: 'checking',
  key: null,
  notice: null,
  signIn: (key, remember) => {
    persist(key, remember);
    set({ status: 'signed-in', key, notice: null });
  },
  signOut: (notice) => {
    persist(null, false);
    set({ status: 'signed-out', key: null, notice: notice ?? null });
  },
  setChecking: (key) => set({ status: 'checking', key }),
}));

export const useAuthStatus = () => useAuthStore((s) => s.status);
export const useAuthNotice = () => useAuthStore((s) => s.notice);
