import type { ActivityRecord } from '../../shared/api/activity';
import type { EventBus } from '../events/bus';
import type { Metrics } from './metrics';

export const DEFAULT_ACTIVITY_SIZE = 1_000;

/** A finished request whose record is built later, in a batch (see ActivityLog.recordLater). */
export interface PendingRecord {
  finish(): Omit<ActivityRecord, 'id'>;
}

/** What the routing layer needs: record one finished request. */
export type ActivityRecorder = Pick<ActivityLog, 'record' | 'recordLater'>;

/** Strings many records share (routes, models, instances, key names) are kept once. */
const INTERNED_MAX = 4096;

/**
 * The most recent requests through `/v1`, `/llama-cpp` and the instance proxy, in a ring of
 * fixed size (oldest dropped), each also published as an `activity` event (while anyone takes
 * them) and counted in the metrics. Nothing of the request or response body is kept.
 *
 * The ring is kept in columns, not as a record object per request: numbers in typed arrays, the
 * strings that repeat (instance, model, key name, route, method) interned, so that a request
 * leaves only its request id behind. A ring of objects kept every record alive through the
 * young generation's collections until it was old: in `bench:proxy`'s profiles that cost the
 * recording server 0.9-1.4% of its time in garbage collection against 0.05-0.2% with a ring of
 * ten. Records are built again when listed.
 */
export class ActivityLog {
  private readonly size: number;
  private readonly ids: Float64Array;
  private readonly times: Float64Array;
  private readonly statuses: Float64Array;
  private readonly durations: Float64Array;
  /** NaN: null */
  private readonly ttfbs: Float64Array;
  private readonly prompts: Float64Array;
  private readonly completions: Float64Array;
  private readonly speeds: Float64Array;
  private readonly instances: (string | undefined)[];
  private readonly models: (string | null)[];
  private readonly keyNames: (string | null)[];
  private readonly routes: string[];
  private readonly methods: string[];
  private readonly requestIds: (string | null)[];
  private readonly interned = new Map<string, string>();
  private next = 0;
  private seq = 0;
  private pending: PendingRecord[] = [];
  private flushQueued = false;
  private readonly flushSoon = () => this.flush();

  constructor(private readonly d: { events: EventBus; metrics: Metrics; size?: number }) {
    const n = (this.size = Math.max(1, d.size ?? DEFAULT_ACTIVITY_SIZE));
    this.ids = new Float64Array(n);
    this.times = new Float64Array(n);
    this.statuses = new Float64Array(n);
    this.durations = new Float64Array(n);
    this.ttfbs = new Float64Array(n);
    this.prompts = new Float64Array(n);
    this.completions = new Float64Array(n);
    this.speeds = new Float64Array(n);
    this.instances = new Array<string | undefined>(n).fill(undefined);
    this.models = new Array<string | null>(n).fill(null);
    this.keyNames = new Array<string | null>(n).fill(null);
    this.routes = new Array<string>(n).fill('');
    this.methods = new Array<string>(n).fill('');
    this.requestIds = new Array<string | null>(n).fill(null);
  }

  private intern(s: string): string;
  private intern(s: string | null): string | null;
  private intern(s: string | null): string | null {
    if (s === null) return null;
    const known = this.interned.get(s);
    if (known !== undefined) return known;
    // many distinct strings (models named per request, say): start over rather than grow
    if (this.interned.size >= INTERNED_MAX) this.interned.clear();
    this.interned.set(s, s);
    return s;
  }

  /**
   * `v` as the string the column holds at `prev` when they are the same (most requests repeat
   * the previous one's instance, model, key, route and method: no lookup), else interned.
   */
  private reuse<T extends string | null>(column: (T | undefined)[], prev: number, v: T): T {
    const before = column[prev];
    return before === v ? before : (this.intern(v) as T);
  }

  /**
   * Records a finished request at the end of this turn of the event loop (setImmediate), with
   * the others that finished in it: the token figures, the ring, the metrics and the event
   * for a batch at once cost a fraction of the same work done one request at a time between
   * the proxy's own (bench:proxy's same-process A/B at c=64: on/off 1.09-1.11 one at a time,
   * 1.02-1.03 batched; in a tight loop, bench:activity, both cost 4-5 us). Reads (list, the
   * metrics' scrape) flush first, so nothing finished is ever missing from them.
   */
  recordLater(p: PendingRecord): void {
    this.pending.push(p);
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(this.flushSoon);
  }

  /** Records the requests waiting for the end of this turn now. */
  flush(): void {
    this.flushQueued = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    for (const p of batch) this.record(p.finish());
  }

  /** The record with its id; the object is built only for a listener of activity events. */
  record(r: Omit<ActivityRecord, 'id'>): void {
    const id = ++this.seq;
    const i = this.next;
    this.ids[i] = id;
    this.times[i] = r.time;
    this.statuses[i] = r.status;
    this.durations[i] = r.duration_ms;
    this.ttfbs[i] = r.ttfb_ms ?? NaN;
    this.prompts[i] = r.prompt_tokens ?? NaN;
    this.completions[i] = r.completion_tokens ?? NaN;
    this.speeds[i] = r.tokens_per_second ?? NaN;
    const p = (i + this.size - 1) % this.size;
    this.instances[i] = this.reuse(this.instances, p, r.instance);
    this.models[i] = this.reuse(this.models, p, r.model);
    this.keyNames[i] = this.reuse(this.keyNames, p, r.key_name);
    this.routes[i] = this.reuse(this.routes, p, r.route);
    this.methods[i] = this.reuse(this.methods, p, r.method);
    this.requestIds[i] = r.request_id;
    this.next = (i + 1) % this.size;
    this.d.metrics.recordRequest(r);
    // an event per request is built only while someone (an event stream) takes them
    if (this.d.events.wantsActivity())
      this.d.events.publish({ type: 'activity', activity: this.at(i, r.instance) });
  }

  /** Newest first, at most `limit`, optionally of one instance. */
  list(opts: { limit?: number; instance?: string } = {}): ActivityRecord[] {
    this.flush();
    const limit = Math.max(0, Math.min(opts.limit ?? 100, this.size));
    const out: ActivityRecord[] = [];
    for (let k = 1; k <= this.size && out.length < limit; k++) {
      const i = (this.next - k + this.size) % this.size;
      const instance = this.instances[i];
      if (instance === undefined) break;
      if (opts.instance === undefined || instance === opts.instance) out.push(this.at(i, instance));
    }
    return out;
  }

  private at(i: number, instance: string): ActivityRecord {
    const orNull = (x: number) => (Number.isNaN(x) ? null : x);
    return {
      id: this.ids[i]!,
      time: this.times[i]!,
      instance,
      model: this.models[i] ?? null,
      key_name: this.keyNames[i] ?? null,
      route: this.routes[i]!,
      method: this.methods[i]!,
      status: this.statuses[i]!,
      duration_ms: this.durations[i]!,
      ttfb_ms: orNull(this.ttfbs[i]!),
      prompt_tokens: orNull(this.prompts[i]!),
      completion_tokens: orNull(this.completions[i]!),
      tokens_per_second: orNull(this.speeds[i]!),
      request_id: this.requestIds[i] ?? null,
    };
  }
}
