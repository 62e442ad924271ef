/** One request through `/v1`, `/llama-cpp` or the instance proxy (GET /api/v1/activity). */
export interface ActivityRecord {
  /** increasing per server run */
  id: number;
  /** when the request arrived, ms since epoch */
  time: number;
  instance: string;
  /** the `model` the client asked for, where the route has one */
  model: string | null;
  /** the name of the API key used (never the key); "management" or null without auth */
  key_name: string | null;
  /** `/v1/chat/completions`, `/llama-cpp/{name}/...`, `/api/v1/instances/{name}/proxy/...` */
  route: string;
  method: string;
  status: number;
  duration_ms: number;
  /** time to the first byte of the response body; null when none came */
  ttfb_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  tokens_per_second: number | null;
  /** the request id sent back in `x-request-id`, if any */
  request_id: string | null;
}
