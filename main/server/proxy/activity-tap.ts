import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ActivityRecord } from '../../../shared/api/activity';
import type { ActivityRecorder, PendingRecord } from '../../observability/activity';
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

/** Content types whose successful answers can carry token figures. */
const TOKEN_BEARING = /json|event-stream/;

/**
 * Records one request through /v1, /llama-cpp or the instance proxy when its response is over
 * (finished, failed before forwarding, or abandoned by the client): status, duration, time to
 * the first body byte and, for answers that carry them, token figures read by a UsageTap from
 * the body's tail as it goes by. Nothing is buffered and nothing of the body is kept.
 *
 * The tap goes to the reverse proxy as its observer and records from the proxy's own
 * end-of-exchange hook, so a forwarded request costs no listener of its own. A request that
 * never reaches the proxy (refused, or a failed on-demand start) is recorded by
 * `recordWhenClosed`, with the status its error was answered with.
 */
export function tapActivity(
  recorder: ActivityRecorder,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ActivityContext,
): ActivityTap {
  return new ActivityTap(recorder, req, res, ctx);
}

export class ActivityTap implements ExchangeObserver, PendingRecord {
  private readonly time = Date.now();
  private readonly start = performance.now();
  private firstByte: number | null = null;
  private usage: UsageTap | null = null;
  private recorded = false;
  private end = 0;

  constructor(
    private readonly recorder: ActivityRecorder,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly ctx: ActivityContext,
  ) {}

  onResponseStart(status: number, headers: IncomingHttpHeaders): void {
    const type = headers['content-type'];
    // Token figures come only in successful JSON answers and event streams.
    if (status < 300 && typeof type === 'string' && TOKEN_BEARING.test(type))
      this.usage = new UsageTap(type);
  }

  onData(chunk: Buffer): void {
    if (this.firstByte === null) this.firstByte = performance.now();
    this.usage?.write(chunk);
  }

  /** For a request the reverse proxy did not take: record once its response is over. */
  recordWhenClosed(): void {
    if (this.res.closed) this.onEnd();
    else this.res.once('close', () => this.onEnd());
  }

  /** The exchange is over: record it (once, whoever calls), with the others ending in this turn. */
  onEnd(): void {
    if (this.recorded) return;
    this.recorded = true;
    this.end = performance.now();
    this.recorder.recordLater(this);
  }

  /** The record, built when the recorder takes its batch. */
  finish(): Omit<ActivityRecord, 'id'> {
    const end = this.end;
    const url =
      (this.req as IncomingMessage & { originalUrl?: string }).originalUrl ?? this.req.url ?? '/';
    const query = url.indexOf('?');
    const figures = this.usage?.usage(this.firstByte === null ? null : end - this.firstByte);
    return {
      time: this.time,
      instance: this.ctx.instance,
      model: this.ctx.model,
      key_name: this.ctx.keyName,
      route: query < 0 ? url : url.slice(0, query),
      method: this.req.method ?? 'GET',
      status: this.res.statusCode,
      duration_ms: Math.round((end - this.start) * 10) / 10,
      ttfb_ms: this.firstByte === null ? null : Math.round((this.firstByte - this.start) * 10) / 10,
      prompt_tokens: figures?.prompt_tokens ?? null,
      completion_tokens: figures?.completion_tokens ?? null,
      tokens_per_second: figures?.tokens_per_second ?? null,
      request_id: requestIdOf(this.res) ?? null,
    };
  }
}
