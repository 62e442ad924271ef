import { serverBase } from '../../lib/api-client';
import { useAuthStore } from '../../lib/auth-store';
import { serverErrorFrom, type ServerError } from './errors';
import { sseEvents } from './sse';
import type { ChatRequest } from './types';

export interface ModelEntry {
  id: string;
  object?: string;
  owned_by?: string;
}

/** Thrown for an error answer of the OpenAI endpoint (before the stream began). */
export class ChatServerError extends Error {
  constructor(readonly error: ServerError) {
    super(error.message);
    this.name = 'ChatServerError';
  }
}

function authHeaders(): Record<string, string> {
  const key = useAuthStore.getState().key;
  return key ? { Authorization: `Bearer ${key}` } : {};
}

/**
 * The chat page talks to our own OpenAI endpoint with the session's key (a management key is
 * accepted for every instance), so every backend and remote instances work alike, and
 * stopped instances start on demand.
 */
export const chatApi = {
  async models(signal?: AbortSignal): Promise<ModelEntry[]> {
    const res = await fetch(`${serverBase()}v1/models`, { headers: authHeaders(), signal });
    if (!res.ok) throw new ChatServerError(await serverErrorFrom(res));
    const body = (await res.json()) as { data?: ModelEntry[] };
    return body.data ?? [];
  },

  /**
   * Sends the request and yields the stream's `data:` payloads. `onResponse` fires when the
   * answer's headers arrive (the instance is up by then).
   */
  async *stream(
    request: ChatRequest,
    signal: AbortSignal,
    onResponse: () => void,
  ): AsyncGenerator<string> {
    const res = await fetch(`${serverBase()}v1/chat/completions`, {
      method: 'POST',
      headers: { ...authHeaders(), 'Content-Type': 'application/json' },
      body: JSON.stringify(request),
      signal,
    });
    if (!res.ok) throw new ChatServerError(await serverErrorFrom(res));
    onResponse();
    if (!res.body) return;
    yield* sseEvents(res.body);
  },
};
