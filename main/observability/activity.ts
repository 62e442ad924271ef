import type { ActivityRecord } from '../../shared/api/activity';
import type { EventBus } from '../events/bus';
import type { Metrics } from './metrics';

export const DEFAULT_ACTIVITY_SIZE = 1_000;

/** What the routing layer needs: record one finished request. */
export type ActivityRecorder = Pick<ActivityLog, 'record'>;

/**
 * The most recent requests through `/v1`, `/llama-cpp` and the instance proxy, in a ring of
 * fixed size (oldest dropped), each also published as an `activity` event and counted in the
 * metrics. Nothing of the request or response body is kept.
 */
export class ActivityLog {
  private readonly ring: (ActivityRecord | undefined)[];
  private next = 0;
  private seq = 0;

  constructor(private readonly d: { events: EventBus; metrics: Metrics; size?: number }) {
    this.ring = new Array(Math.max(1, d.size ?? DEFAULT_ACTIVITY_SIZE));
  }

  record(r: Omit<ActivityRecord, 'id'>): ActivityRecord {
    // Field by field rather than `{ id, ...r }`: a literal of one shape is built much faster
    // than a spread, and this runs for every request.
    const full: ActivityRecord = {
      id: ++this.seq,
      time: r.time,
      instance: r.instance,
      model: r.model,
      key_name: r.key_name,
      route: r.route,
      method: r.method,
      status: r.status,
      duration_ms: r.duration_ms,
      ttfb_ms: r.ttfb_ms,
      prompt_tokens: r.prompt_tokens,
      completion_tokens: r.completion_tokens,
      tokens_per_second: r.tokens_per_second,
      request_id: r.request_id,
    };
    this.ring[this.next] = full;
    this.next = (this.next + 1) % this.ring.length;
    this.d.metrics.recordRequest(full);
    // an event per request is built only while someone (the event stream, the tray) takes them
    if (this.d.events.wantsActivity()) this.d.events.publish({ type: 'activity', activity: full });
    return full;
  }

  /** Newest first, at most `limit`, optionally of one instance. */
  list(opts: { limit?: number; instance?: string } = {}): ActivityRecord[] {
    const limit = Math.max(0, Math.min(opts.limit ?? 100, this.ring.length));
    const out: ActivityRecord[] = [];
    for (let i = 1; i <= this.ring.length && out.length < limit; i++) {
      const r = this.ring[(this.next - i + this.ring.length) % this.ring.length];
      if (!r) break;
      if (opts.instance === undefined || r.instance === opts.instance) out.push(r);
    }
    return out;
  }
}
