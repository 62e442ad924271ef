import type { IncomingMessage } from 'node:http';
import { AppError } from '../../../shared/errors';

/**
 * Reads a request body into memory, refusing more than `limit` bytes (413) as soon as the
 * declared length or the bytes received exceed it, so an endless body cannot exhaust memory.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    readBodyThen(req, limit, (err, body) => (err ? reject(err) : resolve(body!))),
  );
}

/**
 * readBody with a callback, called exactly once: the OpenAI endpoint's hot path uses it so a
 * request costs no promise and no extra microtask turn.
 */
export function readBodyThen(
  req: IncomingMessage,
  limit: number,
  done: (err: AppError | null, body?: Buffer) => void,
): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    done(tooLarge(limit));
    return;
  }
  new BodyReader(req, limit, done).listen();
}

/** The four listeners of one body read and the state they share; removed together when it ends. */
class BodyReader {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly req: IncomingMessage,
    private readonly limit: number,
    private readonly done: (err: AppError | null, body?: Buffer) => void,
  ) {}

  listen(): void {
    const req = this.req;
    req.on('data', this.onData);
    req.on('end', this.onEnd);
    req.on('error', this.onError);
    req.on('close', this.onClose);
  }

  private cleanup(): void {
    const req = this.req;
    req.off('data', this.onData);
    req.off('end', this.onEnd);
    req.off('error', this.onError);
    req.off('close', this.onClose);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.size += chunk.length;
    if (this.size > this.limit) {
      this.cleanup();
      // Stop reading; the caller answers 413 and the connection is closed after it.
      this.req.pause();
      this.done(tooLarge(this.limit));
      return;
    }
    this.chunks.push(chunk);
  };

  private readonly onEnd = (): void => {
    this.cleanup();
    const { chunks } = this;
    this.done(null, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, this.size));
  };

  private readonly onError = (): void => {
    this.cleanup();
    this.done(new AppError('invalid_request', 'Failed to read request body'));
  };

  private readonly onClose = (): void => {
    if (!this.req.complete) this.onError();
  };
}

function tooLarge(limit: number): AppError {
  return new AppError(
    'payload_too_large',
    `Request body is larger than server.max_body_bytes (${limit} bytes)`,
  );
}
