import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Where a response keeps its request id (a symbol: no clash with Node's own fields). */
const REQUEST_ID = Symbol('llamactl.requestId');

type WithRequestId = ServerResponse & { [REQUEST_ID]?: string };

/**
 * A client's own id is taken when it is a plain token (what the services' ids look like and
 * what can go into a header and a log line unchanged); anything else gets an id of ours.
 */
const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request id of a protocol request (/v1, /llama-cpp): the client's `x-request-id` or
 * `x-client-request-id` (the openai SDK sends the latter), else a new `req_<32 hex>` as the
 * services write theirs. Kept on the response, so every writer of this request finds it.
 */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const h = req.headers;
  const given = h['x-request-id'] ?? h['x-client-request-id'];
  const id =
    typeof given === 'string' && CLIENT_ID.test(given)
      ? given
      : 'req_' + randomUUID().replaceAll('-', '');
  (res as WithRequestId)[REQUEST_ID] = id;
  return id;
}

/** The id given to this response by assignRequestId, if any. */
export function requestIdOf(res: ServerResponse): string | undefined {
  return (res as WithRequestId)[REQUEST_ID];
}

/** Paths whose responses carry a request id: the OpenAI/Anthropic endpoint and /llama-cpp. */
export function isProtocolPath(url: string | undefined): boolean {
  if (url === undefined) return false;
  return (
    url.startsWith('/v1/') ||
    url === '/v1' ||
    url.startsWith('/v1?') ||
    url.startsWith('/llama-cpp/')
  );
}
