import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLlamaCppHandler } from '../routes/llama-cpp';
import { createOpenAIHandler } from '../routes/openai';
import type { ReverseProxy } from './reverse-proxy';
import type { RoutingDeps } from './types';

/**
 * The latency-critical routes, dispatched on the raw URL before Express: `/v1/*` and
 * `/llama-cpp/*`. Returns true when the request was taken.
 */
export function createHotPath(
  deps: RoutingDeps,
  proxy: ReverseProxy,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const openai = createOpenAIHandler(deps, proxy);
  const llamaCpp = createLlamaCppHandler(deps, proxy);
  return (req, res) => {
    const url = req.url;
    if (url === undefined) return false;
    if (url.startsWith('/v1/') || url === '/v1' || url.startsWith('/v1?')) return openai(req, res);
    if (url.startsWith('/llama-cpp/')) return llamaCpp(req, res);
    return false;
  };
}
