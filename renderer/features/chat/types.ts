/** Sampling settings of a conversation; unset values are left to the backend's defaults. */
export interface ChatSettings {
  system: string;
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
}

/** Figures for one answer, from the browser's clock and the server's `usage` / `timings`. */
export interface AnswerStats {
  /** ms from sending the request to the first token (includes an on-demand start) */
  ttftMs?: number;
  /** generation speed: llama-server's `timings.predicted_per_second`, else measured */
  tokensPerSecond?: number;
  promptTokens?: number;
  completionTokens?: number;
  /** prompt processing speed from llama-server's `timings` */
  promptPerSecond?: number;
}

export type TurnState = 'waiting' | 'streaming' | 'done' | 'stopped' | 'error';

export interface ChatTurn {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  /** user turns: attached images as data: URLs */
  images?: string[];
  /** assistant turns: the model's reasoning (`reasoning_content` or a <think> block) */
  reasoning?: string;
  /** assistant turns: the model that answered */
  model?: string;
  state?: TurnState;
  /** a plain-words error shown in the conversation */
  error?: string;
  finishReason?: string;
  stats?: AnswerStats;
}

export interface Conversation {
  id: string;
  title: string;
  /** ms since the epoch */
  created: number;
  updated: number;
  model: string;
  settings: ChatSettings;
  turns: ChatTurn[];
}

/** OpenAI chat message as sent; images as image_url content parts. */
export type ContentPart =
  { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };
export interface RequestMessage {
  role: 'system' | 'user' | 'assistant';
  content: string | ContentPart[];
}

export interface ChatRequest {
  model: string;
  messages: RequestMessage[];
  stream: true;
  stream_options: { include_usage: true };
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
}
