import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ActivityRecorder } from '../../observability/activity';
import { UsageTap } from '../../observability/usage-tap';
import type { ExchangeObserver } from './reverse-proxy';
import { requestIdOf } from './request-id';

export interface ActivityContext {
  instance: string;
  /** the `model` the client asked for, where the route has one */
  model: string | null;
  /** the API key's name (never the key) */
  keyName: string | null;
}

/**
 * Records one request through /v1, /llama-cpp or the instance proxy when its response is over
 * (finished, failed before forwarding, or abandoned by the client): status, duration, time to
 * the first body byte and, for answers that carry them, token figures read by a UsageTap from
 * the body's tail as it goes by. Nothing is buffered and nothing of the body is kept. The
 * returned observer goes to the reverse proxy; a request that never reaches it (a failed
 * on-demand start) is still recorded with the status its error was answered with.
 */
export function tapActivity(
  recorder: ActivityRecorder,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ActivityContext,
): ExchangeObserver {
  const tap = new ActivityExchange(recorder, req, res, ctx);
  res.once('close', tap.onClose);
  return tap;
}

class ActivityExchange implements ExchangeObserver {
  private readonly time = Date.now();
  private readonly start = performance.now();
  private firstByte: number | null = null;
  private usage: UsageTap | null = null;

  constructor(
    private readonly recorder: ActivityRecorder,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly ctx: ActivityContext,
  ) {}

  onResponseStart(status: number, headers: IncomingHttpHeaders): void {
    const type = headers['content-type'];
    // Token figures come only in successful JSON answers and event streams.
    if (status < 300 && typeof type === 'string' && /json|event-stream/.test(type))
      this.usage = new UsageTap(type);
  }

  onData(chunk: Buffer): void {
    if (this.firstByte === null) this.firstByte = performance.now();
    this.usage?.write(chunk);
  }

  readonly onClose = (): void => {
    const end = performance.now();
    const url =
      (this.req as IncomingMessage & { originalUrl?: string }).originalUrl ?? this.req.url;
    const path = (url ?? '/').split('?')[0]!;
    const figures = this.usage?.usage(this.firstByte === null ? null : end - this.firstByte);
    const requestId = requestIdOf(this.res) ?? null;
    this.recorder.record({
      time: this.time,
      instance: this.ctx.instance,
      model: this.ctx.model,
      key_name: this.ctx.keyName,
      route: path,
      method: this.req.method ?? 'GET',
      status: this.res.statusCode,
      duration_ms: Math.round((end - this.start) * 10) / 10,
      ttfb_ms: this.firstByte === null ? null : Math.round((this.firstByte - this.start) * 10) / 10,
      prompt_tokens: figures?.prompt_tokens ?? null,
      completion_tokens: figures?.completion_tokens ?? null,
      tokens_per_second: figures?.tokens_per_second ?? null,
      request_id: requestId,
    });
  };
}
