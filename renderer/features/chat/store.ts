import { create } from 'zustand';
import { defaultStorage, type ConversationStorage } from './storage';
import type { ChatSettings, ChatTurn, Conversation } from './types';

export const DEFAULT_SETTINGS: ChatSettings = { system: '' };

/**
 * Conversations live in this browser (IndexedDB), not on the server, so they are client state:
 * kept here and written through to storage. Nothing in this store comes from the server.
 */
interface ChatState {
  storage: ConversationStorage;
  loaded: boolean;
  /** a load failure (storage refused): conversations are then kept for this tab only */
  storageError: string | null;
  conversations: Record<string, Conversation>;
  activeId: string | null;
  /** model and settings for the next new conversation (the picker before the first message) */
  draftModel: string;
  draftSettings: ChatSettings;
  load(): Promise<void>;
  setStorage(storage: ConversationStorage): void;
  select(id: string | null): void;
  setDraftModel(model: string): void;
  setSettings(settings: ChatSettings): void;
  setModel(model: string): void;
  create(conversation: Conversation): void;
  rename(id: string, title: string): void;
  remove(id: string): void;
  /** replaces a turn; `persist` writes the conversation (not on every streamed token) */
  updateTurn(id: string, turnId: string, patch: Partial<ChatTurn>, persist: boolean): void;
  appendTurns(id: string, turns: ChatTurn[]): void;
}

export const useChatStore = create<ChatState>((set, get) => {
  const save = (id: string) => {
    const c = get().conversations[id];
    if (!c) return;
    get()
      .storage.put(c)
      .catch((err: unknown) =>
        set({ storageError: `Conversations could not be saved: ${String(err)}` }),
      );
  };
  const change = (id: string, fn: (c: Conversation) => Conversation, persist = true) => {
    const c = get().conversations[id];
    if (!c) return;
    set({ conversations: { ...get().conversations, [id]: fn(c) } });
    if (persist) save(id);
  };
  return {
    storage: defaultStorage(),
    loaded: false,
    storageError: null,
    conversations: {},
    activeId: null,
    draftModel: '',
    draftSettings: DEFAULT_SETTINGS,
    load: async () => {
      try {
        const all = await get().storage.loadAll();
        // a turn that was streaming when the page went away ended there
        const fixed = all.map((c) => ({
          ...c,
          turns: c.turns.map((t) =>
            t.state === 'streaming' || t.state === 'waiting'
              ? { ...t, state: 'stopped' as const }
              : t,
          ),
        }));
        set({
          loaded: true,
          conversations: Object.fromEntries(fixed.map((c) => [c.id, c])),
        });
      } catch (err) {
        set({
          loaded: true,
          storageError: `Saved conversations could not be read: ${String(err)}`,
        });
      }
    },
    setStorage: (storage) => set({ storage, loaded: false, conversations: {}, activeId: null }),
    select: (activeId) => set({ activeId }),
    setDraftModel: (draftModel) => set({ draftModel }),
    setSettings: (settings) => {
      const id = get().activeId;
      if (id && get().conversations[id]) change(id, (c) => ({ ...c, settings }));
      set({ draftSettings: settings });
    },
    setModel: (model) => {
      const id = get().activeId;
      if (id && get().conversations[id]) change(id, (c) => ({ ...c, model }));
      set({ draftModel: model });
    },
    create: (conversation) => {
      set({
        conversations: { ...get().conversations, [conversation.id]: conversation },
        activeId: conversation.id,
      });
      save(conversation.id);
    },
    rename: (id, title) => change(id, (c) => ({ ...c, title: title.trim() || c.title })),
    remove: (id) => {
      const { [id]: _gone, ...rest } = get().conversations;
      set({ conversations: rest, activeId: get().activeId === id ? null : get().activeId });
      get()
        .storage.remove(id)
        .catch((err: unknown) =>
          set({ storageError: `The conversation could not be deleted: ${String(err)}` }),
        );
    },
    updateTurn: (id, turnId, patch, persist) =>
      change(
        id,
        (c) => ({
          ...c,
          updated: Date.now(),
          turns: c.turns.map((t) => (t.id === turnId ? { ...t, ...patch } : t)),
        }),
        persist,
      ),
    appendTurns: (id, turns) =>
      change(id, (c) => ({ ...c, updated: Date.now(), turns: [...c.turns, ...turns] })),
  };
});

export const useConversations = () => useChatStore((s) => s.conversations);
export const useActiveConversation = () =>
  useChatStore((s) => (s.activeId ? (s.conversations[s.activeId] ?? null) : null));

export function newId(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
