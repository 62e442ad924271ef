import type { AnswerStats, ChatRequest, ChatSettings, ChatTurn, RequestMessage } from './types';

/** The request for the next answer: system prompt, then every finished turn, images as parts. */
export function buildRequest(
  model: string,
  settings: ChatSettings,
  turns: ChatTurn[],
): ChatRequest {
  const messages: RequestMessage[] = [];
  if (settings.system.trim()) messages.push({ role: 'system', content: settings.system });
  for (const t of turns) {
    if (t.role === 'user') {
      messages.push(
        t.images?.length
          ? {
              role: 'user',
              content: [
                ...(t.content ? [{ type: 'text' as const, text: t.content }] : []),
                ...t.images.map((url) => ({ type: 'image_url' as const, image_url: { url } })),
              ],
            }
          : { role: 'user', content: t.content },
      );
    } else if (t.state !== 'error' && t.content) {
      // failed answers and empty stopped ones are not part of what the model said
      messages.push({ role: 'assistant', content: t.content });
    }
  }
  const req: ChatRequest = {
    model,
    messages,
    stream: true,
    stream_options: { include_usage: true },
  };
  if (settings.temperature !== undefined) req.temperature = settings.temperature;
  if (settings.top_p !== undefined) req.top_p = settings.top_p;
  if (settings.max_tokens !== undefined) req.max_tokens = settings.max_tokens;
  return req;
}

interface Chunk {
  choices?: {
    delta?: { content?: string | null; reasoning_content?: string | null; reasoning?: string };
    finish_reason?: string | null;
  }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
  timings?: { predicted_per_second?: number; prompt_per_second?: number };
  error?: { message?: string; code?: string | number; type?: string } | string;
}

/** What the stream has said so far. `raw` is the answer text as sent (maybe with a <think> block). */
export interface Accumulated {
  raw: string;
  reasoning: string;
  finishReason?: string;
  usage?: { prompt_tokens?: number; completion_tokens?: number };
  timings?: { predicted_per_second?: number; prompt_per_second?: number };
  /** ms timestamps: first token and last token */
  firstTokenAt?: number;
  lastTokenAt?: number;
  /** an error object sent inside the stream */
  error?: string;
}

export function emptyAccumulated(): Accumulated {
  return { raw: '', reasoning: '' };
}

/** Folds one `data:` payload into the accumulated answer. `[DONE]` and non-JSON are ignored. */
export function accumulate(acc: Accumulated, payload: string, now: number): Accumulated {
  if (payload === '[DONE]') return acc;
  let chunk: Chunk;
  try {
    chunk = JSON.parse(payload) as Chunk;
  } catch {
    return acc;
  }
  const next: Accumulated = { ...acc };
  if (chunk.error) {
    next.error =
      typeof chunk.error === 'string' ? chunk.error : (chunk.error.message ?? 'unknown error');
  }
  for (const c of chunk.choices ?? []) {
    const text = c.delta?.content ?? '';
    const reasoning = c.delta?.reasoning_content ?? c.delta?.reasoning ?? '';
    if (text || reasoning) {
      next.firstTokenAt ??= now;
      next.lastTokenAt = now;
    }
    if (text) next.raw += text;
    if (reasoning) next.reasoning += reasoning;
    if (c.finish_reason) next.finishReason = c.finish_reason;
  }
  if (chunk.usage) next.usage = chunk.usage;
  if (chunk.timings) next.timings = chunk.timings;
  return next;
}

/**
 * Backends that do not separate reasoning (MLX, vLLM without a reasoning parser) send it inline
 * as `<think>…</think>`; it is shown folded like `reasoning_content`. An unclosed block is
 * reasoning still being written.
 */
export function splitThink(raw: string): { content: string; reasoning: string } {
  const m = /^\s*<think>([\s\S]*?)(?:<\/think>|$)/.exec(raw);
  if (!m) return { content: raw, reasoning: '' };
  return { content: raw.slice(m[0].length).replace(/^\s+/, ''), reasoning: m[1].trim() };
}

/** The answer's figures: server timings where given, otherwise the browser's clock. */
export function answerStats(acc: Accumulated, sentAt: number): AnswerStats {
  const stats: AnswerStats = {};
  if (acc.firstTokenAt !== undefined) stats.ttftMs = acc.firstTokenAt - sentAt;
  if (acc.usage?.prompt_tokens !== undefined) stats.promptTokens = acc.usage.prompt_tokens;
  if (acc.usage?.completion_tokens !== undefined)
    stats.completionTokens = acc.usage.completion_tokens;
  if (acc.timings?.prompt_per_second) stats.promptPerSecond = acc.timings.prompt_per_second;
  if (acc.timings?.predicted_per_second) {
    stats.tokensPerSecond = acc.timings.predicted_per_second;
  } else if (
    stats.completionTokens &&
    stats.completionTokens > 1 &&
    acc.firstTokenAt !== undefined &&
    acc.lastTokenAt !== undefined &&
    acc.lastTokenAt > acc.firstTokenAt
  ) {
    // the first token's time is the prompt's; the rest were generated between first and last
    stats.tokensPerSecond =
      ((stats.completionTokens - 1) * 1000) / (acc.lastTokenAt - acc.firstTokenAt);
  }
  return stats;
}

/** The assistant turn as the accumulated stream shows it. */
export function turnFromAccumulated(turn: ChatTurn, acc: Accumulated, sentAt: number): ChatTurn {
  const think = splitThink(acc.raw);
  const reasoning = [acc.reasoning, think.reasoning].filter(Boolean).join('\n\n');
  return {
    ...turn,
    content: think.content,
    reasoning: reasoning || undefined,
    finishReason: acc.finishReason,
    stats: answerStats(acc, sentAt),
  };
}

/** The first words of the first message, as a conversation's default title. */
export function titleFrom(text: string): string {
  const line = text.trim().split('\n')[0].replace(/\s+/g, ' ');
  if (!line) return 'New chat';
  return line.length > 48 ? `${line.slice(0, 47)}…` : line;
}
