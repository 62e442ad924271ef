import net from 'node:net';
import tls from 'node:tls';

/**
 * The HTTP/1.1 client of model transfers: GET requests (ranged or not) over keep-alive
 * connections, with the body delivered as slices of recycled 1 MiB buffers.
 *
 * Why not undici, which every other HTTP client of the server uses: measured on a 1 GiB file
 * from the fake hub on loopback (8 connections, 16 MiB ranges, written at their offsets),
 * undici's dispatcher spends about 1.3 s of user CPU per GiB (every byte copied into its WASM
 * parser's memory, one fresh 64 KiB buffer per socket read for the garbage collector to chase)
 * where reading each socket into one reused buffer (`onread`, documented for net and tls
 * sockets) and copying into recycled buffers spends about 0.3 s; curl spends 0.2 s. Fresh
 * buffers per MiB instead of recycled ones cost more still (page faults on new memory: 1.7 s of
 * system time per GiB). A download is CPU-bound next to its SHA-256 on a small machine, so this
 * is the difference between 0.5x and near curl's speed. The client does only what a download
 * needs: GET, Content-Length, chunked and close-delimited bodies, redirects answered to the
 * caller, keep-alive reuse with one silent retry when a reused connection turns out closed,
 * pause/resume/abort. Everything else (API calls, the proxy) stays on undici.
 */

export interface RangeRequest {
  origin: string;
  path: string;
  headers: Record<string, string>;
}

export interface RangeController {
  /** stops reading the socket; bytes of the current read may still arrive */
  pause(): void;
  resume(): void;
  /** ends the exchange: the connection is closed and onResponseError gets `reason` */
  abort(reason: Error): void;
}

export interface RangeHandler {
  onRequestStart(controller: RangeController): void;
  onResponseStart(
    controller: RangeController,
    status: number,
    headers: Record<string, string | string[] | undefined>,
  ): void;
  /** `chunk` stays valid until passed to `releaseChunk` (or dropped) */
  onResponseData(controller: RangeController, chunk: Buffer): void;
  onResponseEnd(controller: RangeController): void;
  onResponseError(controller: RangeController, err: Error): void;
}

/** A network failure of one exchange, with the reason in words and a code where there is one. */
export class TransferSocketError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'TransferSocketError';
  }
}

// ---- recycled body buffers ---------------------------------------------------------------------

const SLAB_BYTES = 1 << 20;
/** slabs kept for reuse at most (the rest are left to the garbage collector) */
const POOL_MAX = 32;
const READ_BUFFER_BYTES = 256 << 10;

interface Slab {
  buf: Buffer;
  used: number;
  /** chunks handed out and not released yet */
  refs: number;
  /** full: no more chunks are cut from it; back to the pool when refs reach 0 */
  retired: boolean;
}

const slabs = new WeakMap<ArrayBufferLike, Slab>();
const pool: Slab[] = [];

function takeSlab(): Slab {
  const slab = pool.pop();
  if (slab) return slab;
  const fresh: Slab = { buf: Buffer.allocUnsafeSlow(SLAB_BYTES), used: 0, refs: 0, retired: false };
  slabs.set(fresh.buf.buffer, fresh);
  return fresh;
}

function recycle(slab: Slab): void {
  slab.used = 0;
  slab.refs = 0;
  slab.retired = false;
  if (pool.length < POOL_MAX) pool.push(slab);
}

function retire(slab: Slab): void {
  slab.retired = true;
  if (slab.refs === 0) recycle(slab);
}

/**
 * Gives a body chunk back once its bytes are written, so its memory carries the next bytes.
 * Chunks not from this client, or released twice by mistake, are ignored only in the first
 * case: release each chunk exactly once.
 */
export function releaseChunk(chunk: Buffer): void {
  const slab = slabs.get(chunk.buffer);
  if (!slab) return;
  slab.refs--;
  if (slab.refs === 0 && slab.retired) recycle(slab);
}

// ---- connections -------------------------------------------------------------------------------

const MAX_HEAD_BYTES = 64 << 10;
const MAX_LINE_BYTES = 4 << 10;

type BodyMode = 'length' | 'chunked' | 'close' | 'none';
type ChunkState = 'size' | 'data' | 'data-end' | 'trailers';

/** One socket; serves one exchange at a time, then waits in its origin's idle list. */
class Connection {
  readonly socket: net.Socket;
  private exchange?: ExchangeState;
  /** served at least one response: a close before the next response's first byte is retried */
  reused = false;
  private idleTimer?: NodeJS.Timeout;
  closed = false;
  private slab?: Slab;

  constructor(
    private readonly client: RangeClient,
    readonly origin: string,
    url: URL,
  ) {
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // `onread` (net.connect and tls.connect): every read lands in this one buffer and goes to
    // the callback; no buffer is allocated per read and no 'data' event is emitted. 'end',
    // 'close', 'error', pause() and resume() behave as usual (Node docs, net.Socket / tls).
    const onread = {
      buffer: Buffer.allocUnsafeSlow(READ_BUFFER_BYTES),
      callback: (n: number, buf: Buffer): boolean => {
        this.onBytes(buf, n);
        return true;
      },
    };
    this.socket =
      url.protocol === 'https:'
        ? tls.connect({
            host,
            port,
            servername: net.isIP(host) ? undefined : host,
            ALPNProtocols: ['http/1.1'],
            ...client.tlsOptions,
            // @types/node's ConnectionOptions lacks `onread`; tls sockets take it since nodejs/node#35753
            ...({ onread } as object),
          })
        : net.connect({ host, port, onread });
    this.socket.setNoDelay(true);
    this.socket.setKeepAlive(true, 30_000);
    this.socket.on('error', (err: Error & { code?: string }) =>
      this.onClosed(new TransferSocketError(err.message, err.code), false),
    );
    this.socket.on('close', () =>
      this.onClosed(new TransferSocketError('the server closed the connection'), true),
    );
  }

  start(ex: ExchangeState): void {
    clearTimeout(this.idleTimer);
    this.exchange = ex;
    ex.conn = this;
    const head = [`GET ${ex.req.path} HTTP/1.1`, `Host: ${new URL(this.origin).host}`];
    for (const [k, v] of Object.entries(ex.req.headers)) head.push(`${k}: ${v}`);
    this.socket.write(head.join('\r\n') + '\r\n\r\n', 'latin1');
  }

  idle(): void {
    this.exchange = undefined;
    this.reused = true;
    this.idleTimer = setTimeout(() => this.destroy(), this.client.keepAliveMs);
    this.idleTimer.unref();
  }

  destroy(): void {
    clearTimeout(this.idleTimer);
    this.closed = true;
    this.client.forget(this);
    this.socket.destroy();
  }

  /** `clean`: closed without a socket error (a close-delimited body ends this way) */
  private onClosed(err: TransferSocketError, clean: boolean): void {
    const ex = this.exchange;
    this.exchange = undefined;
    if (!this.closed) this.destroy();
    if (ex) ex.socketEnded(err, clean);
  }

  private onBytes(buf: Buffer, n: number): void {
    const ex = this.exchange;
    if (!ex) {
      // bytes while idle: the server broke the protocol; this connection is not reused
      this.destroy();
      return;
    }
    ex.parse(buf, 0, n);
  }

  /** Copies `src[start, end)` into recycled memory and hands it over as chunks. */
  deliver(ex: ExchangeState, src: Buffer, start: number, end: number): void {
    while (start < end && !ex.finished) {
      let slab = this.slab;
      if (!slab || slab.used === SLAB_BYTES) {
        if (slab) retire(slab);
        slab = this.slab = takeSlab();
      }
      const k = Math.min(end - start, SLAB_BYTES - slab.used);
      src.copy(slab.buf, slab.used, start, start + k);
      const chunk = slab.buf.subarray(slab.used, slab.used + k);
      slab.used += k;
      slab.refs++;
      start += k;
      ex.data(chunk);
    }
  }
}

/** The state of one request/response. */
class ExchangeState implements RangeController {
  conn?: Connection;
  finished = false;
  private paused = false;
  private gotBytes = false;
  private head = '';
  private status = 0;
  private mode: BodyMode = 'none';
  private remaining = 0;
  private chunkState: ChunkState = 'size';
  private line = '';
  private keepAlive = false;

  constructor(
    private readonly client: RangeClient,
    readonly req: RangeRequest,
    private readonly handler: RangeHandler,
  ) {}

  pause(): void {
    if (this.finished || this.paused) return;
    this.paused = true;
    this.conn?.socket.pause();
  }

  resume(): void {
    if (this.finished || !this.paused) return;
    this.paused = false;
    this.conn?.socket.resume();
  }

  abort(reason: Error): void {
    if (this.finished) return;
    this.fail(reason);
  }

  private fail(err: Error): void {
    if (this.finished) return;
    this.finished = true;
    const conn = this.conn;
    this.conn = undefined;
    conn?.destroy();
    // after the caller's own call stack (abort() may be called from inside onResponseData)
    queueMicrotask(() => this.handler.onResponseError(this, err));
  }

  private complete(conn: Connection, reusable: boolean): void {
    this.finished = true;
    this.conn = undefined;
    if (reusable && this.keepAlive) {
      // the pause was this exchange's: the next request on the connection reads again
      if (this.paused) conn.socket.resume();
      this.paused = false;
      conn.idle();
      this.client.park(conn);
    } else {
      conn.destroy();
    }
    this.handler.onResponseEnd(this);
  }

  /** The connection closed or failed before this exchange finished. */
  socketEnded(err: TransferSocketError, clean: boolean): void {
    if (this.finished) return;
    const conn = this.conn;
    if (clean && this.mode === 'close' && this.status !== 0 && conn) {
      this.finished = true;
      this.conn = undefined;
      this.handler.onResponseEnd(this);
      return;
    }
    if (!this.gotBytes && conn?.reused) {
      // a kept-alive connection the server had closed meanwhile: the request never reached it
      this.conn = undefined;
      this.client.connect(this, true);
      return;
    }
    this.fail(err);
  }

  data(chunk: Buffer): void {
    this.handler.onResponseData(this, chunk);
  }

  parse(buf: Buffer, start: number, end: number): void {
    if (this.finished) return;
    this.gotBytes = true;
    const conn = this.conn!;
    while (start < end && !this.finished) {
      if (this.status === 0) {
        start = this.parseHead(buf, start, end);
        continue;
      }
      switch (this.mode) {
        case 'close':
          conn.deliver(this, buf, start, end);
          start = end;
          break;
        case 'length': {
          const k = Math.min(end - start, this.remaining);
          conn.deliver(this, buf, start, start + k);
          this.remaining -= k;
          start += k;
          if (this.remaining === 0 && !this.finished) this.complete(conn, start === end);
          break;
        }
        case 'chunked':
          start = this.parseChunked(conn, buf, start, end);
          break;
        case 'none':
          this.complete(conn, false);
          return;
      }
    }
  }

  /** Reads the status line and headers; returns where the body starts. */
  private parseHead(buf: Buffer, start: number, end: number): number {
    const before = this.head.length;
    this.head += buf.toString('latin1', start, end);
    const at = this.head.indexOf('\r\n\r\n');
    if (at < 0) {
      if (this.head.length > MAX_HEAD_BYTES)
        this.fail(new TransferSocketError('the response headers are too large'));
      return end;
    }
    const bodyStart = start + (at + 4 - before);
    const lines = this.head.slice(0, at).split('\r\n');
    this.head = '';
    const m = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] ?? '');
    if (!m) {
      this.fail(new TransferSocketError(`not an HTTP/1.1 response: ${JSON.stringify(lines[0])}`));
      return end;
    }
    const status = Number(m[2]);
    if (status >= 100 && status < 200) return bodyStart; // interim response: the real one follows
    const headers: Record<string, string | string[] | undefined> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const prev = headers[name];
      headers[name] =
        prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
    this.status = status;
    const connection = String(headers.connection ?? '').toLowerCase();
    this.keepAlive =
      m[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    // message body length, RFC 9112 section 6.3
    const te = String(headers['transfer-encoding'] ?? '').toLowerCase();
    const cl = headers['content-length'];
    if (status === 204 || status === 304) this.mode = 'none';
    else if (te) {
      this.mode = te.trim().endsWith('chunked') ? 'chunked' : 'close';
    } else if (typeof cl === 'string' && /^\d+$/.test(cl)) {
      this.mode = 'length';
      this.remaining = Number(cl);
    } else if (cl !== undefined) {
      this.fail(new TransferSocketError(`invalid Content-Length ${JSON.stringify(cl)}`));
      return end;
    } else this.mode = 'close';
    if (this.mode === 'close') this.keepAlive = false;
    this.handler.onResponseStart(this, status, headers);
    if (this.finished) return end;
    if (this.mode === 'none' || (this.mode === 'length' && this.remaining === 0))
      this.complete(this.conn!, bodyStart === end);
    return bodyStart;
  }

  private readLine(buf: Buffer, start: number, end: number): { line?: string; next: number } {
    const nl = buf.indexOf(10, start);
    if (nl < 0 || nl >= end) {
      this.line += buf.toString('latin1', start, end);
      if (this.line.length > MAX_LINE_BYTES)
        this.fail(new TransferSocketError('a chunk header of the response is too long'));
      return { next: end };
    }
    const line = (this.line + buf.toString('latin1', start, nl)).replace(/\r$/, '');
    this.line = '';
    return { line, next: nl + 1 };
  }

  private parseChunked(conn: Connection, buf: Buffer, start: number, end: number): number {
    switch (this.chunkState) {
      case 'size': {
        const { line, next } = this.readLine(buf, start, end);
        if (line === undefined) return next;
        const hex = line.split(';')[0]!.trim();
        if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) {
          this.fail(new TransferSocketError(`invalid chunk size ${JSON.stringify(hex)}`));
          return end;
        }
        this.remaining = parseInt(hex, 16);
        this.chunkState = this.remaining === 0 ? 'trailers' : 'data';
        return next;
      }
      case 'data': {
        const k = Math.min(end - start, this.remaining);
        conn.deliver(this, buf, start, start + k);
        this.remaining -= k;
        if (this.remaining === 0) this.chunkState = 'data-end';
        return start + k;
      }
      case 'data-end': {
        const { line, next } = this.readLine(buf, start, end);
        if (line === undefined) return next;
        if (line !== '') {
          this.fail(new TransferSocketError('a chunk of the response is longer than its size'));
          return end;
        }
        this.chunkState = 'size';
        return next;
      }
      case 'trailers': {
        const { line, next } = this.readLine(buf, start, end);
        if (line === undefined) return next;
        if (line === '') this.complete(conn, next === end);
        return next;
      }
    }
  }
}

/** Connections per origin, kept alive between requests for `keepAliveMs`. */
export class RangeClient {
  private readonly idleByOrigin = new Map<string, Connection[]>();
  private readonly all = new Set<Connection>();

  constructor(
    readonly keepAliveMs = 4_000,
    /** extra TLS options (tests pass their own certificate authority) */
    readonly tlsOptions: Pick<tls.ConnectionOptions, 'ca'> = {},
  ) {}

  /** Starts one GET; the handler hears of its progress (onRequestStart synchronously). */
  dispatch(req: RangeRequest, handler: RangeHandler): void {
    for (const [k, v] of Object.entries(req.headers)) {
      if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) {
        throw new TypeError(`header ${JSON.stringify(k)} contains a line break`);
      }
    }
    const ex = new ExchangeState(this, req, handler);
    handler.onRequestStart(ex);
    if (ex.finished) return;
    this.connect(ex, false);
  }

  /** @internal */
  connect(ex: ExchangeState, fresh: boolean): void {
    const idle = fresh ? undefined : this.idleByOrigin.get(ex.req.origin);
    let conn: Connection | undefined;
    while (idle?.length && !conn) {
      const c = idle.pop()!;
      if (!c.closed && !c.socket.destroyed) conn = c;
    }
    if (!conn) {
      conn = new Connection(this, ex.req.origin, new URL(ex.req.origin));
      this.all.add(conn);
    }
    conn.start(ex);
  }

  /** @internal a connection ready for the next request */
  park(conn: Connection): void {
    const list = this.idleByOrigin.get(conn.origin) ?? [];
    list.push(conn);
    this.idleByOrigin.set(conn.origin, list);
  }

  /** @internal */
  forget(conn: Connection): void {
    this.all.delete(conn);
    // no transfer left (idle connections close after keepAliveMs): give the memory back
    if (this.all.size === 0) pool.length = 0;
    const list = this.idleByOrigin.get(conn.origin);
    if (!list) return;
    const i = list.indexOf(conn);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.idleByOrigin.delete(conn.origin);
  }

  /** open sockets (busy and idle), for tests */
  get openConnections(): number {
    return this.all.size;
  }

  close(): void {
    for (const c of [...this.all]) c.destroy();
  }
}
