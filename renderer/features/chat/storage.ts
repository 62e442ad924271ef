import type { Conversation } from './types';

/** Where conversations are kept: in this browser only, never on the server. */
export interface ConversationStorage {
  loadAll(): Promise<Conversation[]>;
  put(conversation: Conversation): Promise<void>;
  remove(id: string): Promise<void>;
}

const DB = 'llamactl-chat';
const STORE = 'conversations';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

/**
 * IndexedDB rather than localStorage: attached images make conversations large, and
 * localStorage stops at a few megabytes per origin.
 */
export function indexedDbStorage(name = DB): ConversationStorage {
  let db: Promise<IDBDatabase> | null = null;
  const open = () => {
    db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open(name, 1);
      r.onupgradeneeded = () => r.result.createObjectStore(STORE, { keyPath: 'id' });
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error ?? new Error('IndexedDB could not be opened'));
    });
    return db;
  };
  const tx = async (mode: IDBTransactionMode) =>
    (await open()).transaction(STORE, mode).objectStore(STORE);
  return {
    loadAll: async () => request((await tx('readonly')).getAll() as IDBRequest<Conversation[]>),
    put: async (c) => {
      await request((await tx('readwrite')).put(c));
    },
    remove: async (id) => {
      await request((await tx('readwrite')).delete(id));
    },
  };
}

/** Kept in memory only: tests, and browsers without IndexedDB (some private modes). */
export function memoryStorage(initial: Conversation[] = []): ConversationStorage {
  const map = new Map(initial.map((c) => [c.id, structuredClone(c)]));
  return {
    loadAll: async () => [...map.values()].map((c) => structuredClone(c)),
    put: async (c) => {
      map.set(c.id, structuredClone(c));
    },
    remove: async (id) => {
      map.delete(id);
    },
  };
}

export function defaultStorage(): ConversationStorage {
  return typeof indexedDB !== 'undefined' ? indexedDbStorage() : memoryStorage();
}
