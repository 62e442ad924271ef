/** Token figures of one completion, as far as the response tells them. */
export interface Usage {
  prompt_tokens: number | null;
  completion_tokens: number | null;
  /** generation speed: from llama-server's `timings`, else completion tokens over the time from first byte to end */
  tokens_per_second: number | null;
}

/** Bytes of the response's end kept to find `usage` and `timings` (they come last). */
const TAIL_BYTES = 16 * 1024;

/**
 * Watches a response body go by without holding it: keeps only its last 16 KiB and, for
 * server-sent events, counts the chunks that carry generated text. At the end it reads the
 * token counts from OpenAI's `usage` (or Anthropic's `usage.input_tokens/output_tokens`) and
 * llama-server's `timings` in that tail; a stream without usage counts one token per content
 * chunk (llama-server, vLLM and MLX send one token per chunk).
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
    const text = this.pending + chunk.toString('utf8');
    const lines = text.split('\n');
    this.pending = lines.pop()!.slice(-4096);
    for (const line of lines) {
      if (!line.startsWith('data:')) continue;
      if (
        /"(content|text|reasoning_content)":"(?:[^"\\]|\\.)+"/.test(line) ||
        /"delta":\{"type":"text_delta","text":"(?:[^"\\]|\\.)+"/.test(line)
      )
        this.contentChunks++;
    }
  }

  /** The figures, given the milliseconds from the first body byte to the end. */
  usage(generationMs: number | null): Usage {
    const text = Buffer.concat(this.tail).toString('utf8');
    const prompt = lastNumber(text, ['prompt_tokens', 'input_tokens', 'prompt_n']);
    let completion = lastNumber(text, ['completion_tokens', 'output_tokens', 'predicted_n']);
    if (completion === null && this.sse && this.contentChunks > 0) completion = this.contentChunks;
    let tps = lastNumber(text, ['predicted_per_second']);
    if (tps === null && completion !== null && generationMs !== null && generationMs > 0)
      tps = completion / (generationMs / 1000);
    return {
      prompt_tokens: prompt,
      completion_tokens: completion,
      tokens_per_second: tps === null ? null : Math.round(tps * 10) / 10,
    };
  }
}

/** The last `"key": <number>` of any of the keys in the text. */
function lastNumber(text: string, keys: string[]): number | null {
  let best: { at: number; value: number } | null = null;
  for (const key of keys) {
    const re = new RegExp(`"${key}"\\s*:\\s*(-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?)`, 'g');
    let m: RegExpExecArray | null;
    while ((m = re.exec(text))) {
      if (!best || m.index > best.at) best = { at: m.index, value: Number(m[1]) };
    }
  }
  return best ? best.value : null;
}
