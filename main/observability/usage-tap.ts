/** Token figures of one completion, as far as the response tells them. */
export interface Usage {
  prompt_tokens: number | null;
  completion_tokens: number | null;
  /** generation speed: from llama-server's `timings`, else completion tokens over the time from first byte to end */
  tokens_per_second: number | null;
}

/** Bytes of the response's end kept to find `usage` and `timings` (they come last). */
const TAIL_BYTES = 16 * 1024;
/** The longest partial event-stream line carried from one chunk to the next. */
const PENDING_CHARS = 4096;

/**
 * Every `"key": <number>` that gives a figure, in one pass: prompt tokens (OpenAI, Anthropic,
 * llama-server's timings), completion tokens (likewise) and llama-server's generation speed.
 */
const FIGURES =
  /"(prompt_tokens|input_tokens|prompt_n|completion_tokens|output_tokens|predicted_n|predicted_per_second)"\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)/g;
/** a non-empty generated text in an event (OpenAI, Anthropic, reasoning models) */
const CONTENT = /"(?:content|text|reasoning_content)":"[^"]/;

/**
 * Watches a response body go by without holding it: keeps only its last 16 KiB and, for
 * server-sent events, counts the chunks that carry generated text. At the end it reads the
 * token counts from OpenAI's `usage` (or Anthropic's `usage.input_tokens/output_tokens`) and
 * llama-server's `timings` in that tail; a stream without usage counts one token per content
 * chunk (llama-server, vLLM and MLX send one token per chunk).
 *
 * It runs on every proxied response: the bytes are read as latin1 (one byte per character, no
 * UTF-8 decoding; the keys and numbers looked for are ASCII) and searched with one regular
 * expression compiled once, in one pass.
 */
export class UsageTap {
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private contentChunks = 0;
  private readonly sse: boolean;
  private pending = '';

  constructor(contentType: string | undefined) {
    this.sse = (contentType ?? '').includes('text/event-stream');
  }

  write(chunk: Buffer): void {
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tailBytes - this.tail[0]!.length >= TAIL_BYTES) {
      this.tailBytes -= this.tail.shift()!.length;
    }
    if (this.sse) this.countEvents(chunk);
  }

  private countEvents(chunk: Buffer): void {
    // Only the boundaries matter; a chunk can end mid-line, so carry the last partial line.
    const text = this.pending + chunk.toString('latin1');
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      if (text.startsWith('data:', start) && CONTENT.test(text.slice(start, nl)))
        this.contentChunks++;
      start = nl + 1;
    }
    this.pending =
      text.length - start > PENDING_CHARS
        ? text.slice(text.length - PENDING_CHARS)
        : text.slice(start);
  }

  /** The figures, given the milliseconds from the first body byte to the end. */
  usage(generationMs: number | null): Usage {
    const tail = this.tail.length === 1 ? this.tail[0]! : Buffer.concat(this.tail);
    const text = tail.toString('latin1');
    let prompt: number | null = null;
    let completion: number | null = null;
    let tps: number | null = null;
    // The last figure of each kind wins (a stream's final usage, the timings after usage).
    // Every key looked for lives in a `usage` or llama-server's `timings` object: the scan
    // starts at the first of them (the whole tail when neither is there).
    const u = text.indexOf('"usage"');
    const t = text.indexOf('"timings"');
    FIGURES.lastIndex = u < 0 ? Math.max(t, 0) : t < 0 ? u : Math.min(u, t);
    for (let m = FIGURES.exec(text); m; m = FIGURES.exec(text)) {
      const value = Number(m[2]);
      switch (m[1]) {
        case 'prompt_tokens':
        case 'input_tokens':
        case 'prompt_n':
          prompt = value;
          break;
        case 'predicted_per_second':
          tps = value;
          break;
        default:
          completion = value;
      }
    }
    if (completion === null && this.sse && this.contentChunks > 0) completion = this.contentChunks;
    if (tps === null && completion !== null && generationMs !== null && generationMs > 0)
      tps = completion / (generationMs / 1000);
    return {
      prompt_tokens: prompt,
      completion_tokens: completion,
      tokens_per_second: tps === null ? null : Math.round(tps * 10) / 10,
    };
  }
}
