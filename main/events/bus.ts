import { EventEmitter } from 'node:events';
import type { ServerEvent } from '../../shared/api/events';

/** An event as published: the bus numbers it and stamps the time (unless given). */
export type NewEvent = ServerEvent extends infer E
  ? E extends ServerEvent
    ? Omit<E, 'seq' | 'time'> & { time?: number }
    : never
  : never;

/**
 * One in-process stream of changes (instances, download jobs, nodes). The SSE endpoint, the
 * tray and the tests all listen here.
 */
export class EventBus {
  private readonly emitter = new EventEmitter();
  private seq = 0;
  /** listeners that take `activity` events (one per proxied request) */
  private activityListeners = 0;

  constructor() {
    // Many SSE clients may listen at once.
    this.emitter.setMaxListeners(0);
  }

  publish(event: NewEvent): void {
    // Object.assign, not a spread: events of many shapes pass here (an activity event per proxied
    // request among them), and a spread site that has seen many shapes costs microseconds a call.
    const full = Object.assign({}, event) as ServerEvent;
    full.seq = ++this.seq;
    full.time = event.time ?? Date.now();
    this.emitter.emit('event', full);
  }

  /**
   * `withoutActivity`: the listener never sees `activity` events (one per proxied request), so
   * a server whose only listeners say so builds none (see wantsActivity).
   */
  subscribe(
    listener: (event: ServerEvent) => void,
    opts: { withoutActivity?: boolean } = {},
  ): () => void {
    const wrapped = opts.withoutActivity
      ? (e: ServerEvent) => {
          if (e.type !== 'activity') listener(e);
        }
      : listener;
    if (!opts.withoutActivity) this.activityListeners++;
    this.emitter.on('event', wrapped);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      if (!opts.withoutActivity) this.activityListeners--;
      this.emitter.off('event', wrapped);
    };
  }

  /** Whether anyone listens for `activity` events now. */
  wantsActivity(): boolean {
    return this.activityListeners > 0;
  }
}
