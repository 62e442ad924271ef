import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Bytes a server-sent-events client may leave unread before it is dropped. A client that stops
 * reading (a paused tab, a stuck proxy) would otherwise make the server queue every event and log
 * line for it, without bound.
 */
export const SSE_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** How long a dropped client gets to read its last event before the socket is closed. */
const DROP_GRACE_MS = 5_000;

/** How often an idle stream sends a comment so proxies and browsers keep it open. */
export const SSE_HEARTBEAT_MS = 15_000;

export interface SseStream {
  /** Queues `text` (one or more complete SSE frames); false once the client is gone or dropped. */
  write(text: string): boolean;
  /** Resolves when the client has read what is queued (or is gone): back-pressure for producers. */
  drained(): Promise<void>;
  /** Ends the stream with a last `event: dropped` naming the reason. */
  drop(reason: string): void;
  readonly closed: boolean;
}

export interface SseOptions {
  maxBufferedBytes?: number;
  heartbeatMs?: number;
  /** runs once when the stream ends for any reason (client gone, dropped) */
  onClose: () => void;
}

/**
 * Sends the SSE response headers and returns a writer that respects the client's pace: what the
 * client has not read counts against `maxBufferedBytes`; past it the client gets one last
 * `event: dropped` (`data: {"reason": …}`) and the stream ends (EventSource reconnects by itself
 * and the dashboard refetches what it missed).
 */
export function openSse(req: IncomingMessage, res: ServerResponse, opts: SseOptions): SseStream {
  const max = opts.maxBufferedBytes ?? SSE_MAX_BUFFERED_BYTES;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  let closed = false;
  let graceTimer: NodeJS.Timeout | undefined;
  const heartbeat = setInterval(
    () => stream.write(': ping\n\n'),
    opts.heartbeatMs ?? SSE_HEARTBEAT_MS,
  );
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    opts.onClose();
  };
  const onGone = () => {
    finish();
    if (graceTimer) clearTimeout(graceTimer);
  };
  req.on('close', onGone);
  res.on('close', onGone);

  const stream: SseStream = {
    get closed() {
      return closed;
    },
    write(text) {
      if (closed) return false;
      if (res.writableLength + Buffer.byteLength(text) > max) {
        stream.drop(
          `the client read too slowly: more than ${max} bytes were waiting for it; reconnect to continue`,
        );
        return false;
      }
      res.write(text);
      return true;
    },
    drained() {
      if (closed || !res.writableNeedDrain) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    },
    drop(reason) {
      if (closed) return;
      res.end(`event: dropped\ndata: ${JSON.stringify({ reason })}\n\n`);
      finish();
      // The last event waits behind everything unread; a client that never reads again is cut.
      graceTimer = setTimeout(() => res.destroy(), DROP_GRACE_MS);
      graceTimer.unref();
    },
  };
  return stream;
}
