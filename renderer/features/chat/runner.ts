import { ChatServerError, chatApi } from './api';
import {
  accumulate,
  buildRequest,
  emptyAccumulated,
  titleFrom,
  turnFromAccumulated,
} from './completion';
import { plainError } from './errors';
import { newId, useChatStore } from './store';
import type { ChatTurn, Conversation } from './types';

/** One request in flight per conversation; Stop aborts it. */
const inFlight = new Map<string, AbortController>();

export function isAnswering(conversationId: string): boolean {
  return inFlight.has(conversationId);
}

export function stopAnswer(conversationId: string): void {
  inFlight.get(conversationId)?.abort();
}

/** At most this often the streamed text is written to the store (and so re-rendered). */
const FRAME_MS = 50;

/**
 * Sends a message in the active conversation (creating one on the first message) and streams
 * the answer into it. Resolves when the answer has ended: completed, stopped or failed. The
 * partial answer of a stopped request stays, marked as stopped.
 */
export async function sendMessage(text: string, images: string[] = []): Promise<void> {
  const store = useChatStore.getState();
  let conv: Conversation | null = store.activeId ? store.conversations[store.activeId] : null;
  if (!conv) {
    if (!store.draftModel) throw new Error('no model chosen');
    const now = Date.now();
    conv = {
      id: newId(),
      title: titleFrom(text),
      created: now,
      updated: now,
      model: store.draftModel,
      settings: store.draftSettings,
      turns: [],
    };
    store.create(conv);
  }
  const id = conv.id;
  if (inFlight.has(id)) return;
  const user: ChatTurn = {
    id: newId(),
    role: 'user',
    content: text,
    ...(images.length ? { images } : {}),
  };
  const answer: ChatTurn = {
    id: newId(),
    role: 'assistant',
    content: '',
    model: conv.model,
    state: 'waiting',
  };
  useChatStore.getState().appendTurns(id, [user, answer]);
  const request = buildRequest(conv.model, conv.settings, [...conv.turns, user]);
  const controller = new AbortController();
  inFlight.set(id, controller);
  const update = (patch: Partial<ChatTurn>, persist: boolean) =>
    useChatStore.getState().updateTurn(id, answer.id, patch, persist);

  const sentAt = performance.now();
  let acc = emptyAccumulated();
  let lastPaint = 0;
  try {
    for await (const payload of chatApi.stream(request, controller.signal, () =>
      update({ state: 'streaming' }, false),
    )) {
      const now = performance.now();
      acc = accumulate(acc, payload, now);
      if (now - lastPaint >= FRAME_MS) {
        lastPaint = now;
        update({ ...turnFromAccumulated(answer, acc, sentAt), state: 'streaming' }, false);
      }
    }
    const done = turnFromAccumulated(answer, acc, sentAt);
    update(
      acc.error
        ? {
            ...done,
            state: 'error',
            error: plainError({ status: 500, message: acc.error }, conv.model),
          }
        : { ...done, state: 'done' },
      true,
    );
  } catch (err) {
    const partial = turnFromAccumulated(answer, acc, sentAt);
    if (controller.signal.aborted) {
      update({ ...partial, state: 'stopped' }, true);
    } else if (err instanceof ChatServerError) {
      update({ ...partial, state: 'error', error: plainError(err.error, conv.model) }, true);
    } else {
      update(
        {
          ...partial,
          state: 'error',
          error:
            acc.raw || acc.reasoning
              ? 'The answer was cut off: the connection to the server ended early.'
              : 'The server could not be reached. Check that Llamactl is running, then send again.',
        },
        true,
      );
    }
  } finally {
    inFlight.delete(id);
  }
}
