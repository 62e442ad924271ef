import { create } from 'zustand';
import { isUnreachable } from '../lib/connection';
import { Icon } from './icon';

export type ToastTone = 'success' | 'error' | 'info';
interface Toast {
  id: number;
  tone: ToastTone;
  title: string;
  body?: string;
}

interface ToastState {
  toasts: Toast[];
  push(t: Omit<Toast, 'id'>): void;
  dismiss(id: number): void;
}

let nextId = 1;

export const useToastStore = create<ToastState>((set, get) => ({
  toasts: [],
  push: (t) => {
    // the same message again while it is still on screen adds nothing
    if (get().toasts.some((x) => x.tone === t.tone && x.title === t.title && x.body === t.body))
      return;
    const id = nextId++;
    set({ toasts: [...get().toasts.slice(-3), { ...t, id }] });
    setTimeout(() => get().dismiss(id), t.tone === 'error' ? 8000 : 4000);
  },
  dismiss: (id) => set({ toasts: get().toasts.filter((x) => x.id !== id) }),
}));

export const toast = {
  success: (title: string, body?: string) =>
    useToastStore.getState().push({ tone: 'success', title, body }),
  /**
   * An error toast. Given the error itself, a server that cannot be reached shows nothing: the
   * connection banner already says so, once.
   */
  error: (title: string, body?: string | Error) => {
    if (isUnreachable(body)) return;
    useToastStore
      .getState()
      .push({ tone: 'error', title, body: body instanceof Error ? body.message : body });
  },
  info: (title: string, body?: string) =>
    useToastStore.getState().push({ tone: 'info', title, body }),
};

export function Toaster() {
  const toasts = useToastStore((s) => s.toasts);
  const dismiss = useToastStore((s) => s.dismiss);
  return (
    <div className="toaster" aria-live="polite" aria-relevant="additions">
      {toasts.map((t) => (
        <div
          key={t.id}
          className={`toast toast-${t.tone}`}
          role={t.tone === 'error' ? 'alert' : 'status'}
        >
          <Icon
            name={t.tone === 'success' ? 'check' : t.tone === 'error' ? 'alert' : 'info'}
            size={18}
          />
          <div className="toast-text">
            <strong>{t.title}</strong>
            {t.body && <span>{t.body}</span>}
          </div>
          <button
            type="button"
            className="btn btn-ghost btn-icon btn-sm"
            onClick={() => dismiss(t.id)}
            aria-label="Dismiss notification"
          >
            <Icon name="x" size={14} />
          </button>
        </div>
      ))}
    </div>
  );
}
