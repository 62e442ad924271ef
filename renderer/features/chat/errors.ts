/** An error answer of the OpenAI endpoint, as the server sent it. */
export interface ServerError {
  status: number;
  code?: string;
  message: string;
}

/** The instance part of a model id (`alpha` or router mode's `alpha/model`). */
export function instanceOf(model: string): string {
  const slash = model.indexOf('/');
  return slash < 0 ? model : model.slice(0, slash);
}

function sentence(s: string): string {
  const t = s.trim();
  if (!t) return t;
  const first = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/**
 * The words a person reads in the conversation when the server refuses or fails a chat request.
 * The server's own details follow where they name the reason (a start failure's cause).
 */
export function plainError(err: ServerError, model: string): string {
  const inst = instanceOf(model);
  const code = (err.code ?? '').toLowerCase();
  const details = err.message.trim();
  if (err.status === 401 || code === 'unauthorized')
    return 'The server did not accept your key. Sign in again with a valid key.';
  if (err.status === 403 || code === 'permission_denied')
    return `Your key is not allowed to use ${inst}. Use a key that lists this instance, or the management key.`;
  if (code === 'limit_reached')
    return `${inst} cannot start: the limit of running instances is reached and none can be stopped to make room. Stop another instance and send again. (${sentence(details)})`;
  if (code === 'instance_start_timeout')
    return `${inst} did not become ready in time. Its log on the instance page says why. (${sentence(details)})`;
  if (
    code === 'instance_start_failed' ||
    code === 'instance start failed' ||
    code === 'start_failed'
  )
    return `${inst} could not start: ${sentence(details.replace(/^failed to start instance \S+: /, ''))}`;
  if (code === 'port_unavailable') return `${inst} cannot start: ${sentence(details)}`;
  if (code === 'instance_not_running')
    return `${inst} is not running and on-demand start is off for it. Start it on the Instances page.`;
  if (code === 'instance_shutting_down') return `${inst} is shutting down. Send again in a moment.`;
  if (code === 'model_not_found' || err.status === 404)
    return `There is no model named ${model}. Pick another one.`;
  if (code === 'node_unreachable')
    return `The node of ${inst} cannot be reached. ${sentence(details)}`;
  if (err.status === 502 || code === 'bad_gateway')
    return `${inst} did not answer. It may have crashed; its log on the instance page says more.`;
  if (err.status === 413)
    return 'The message is too large for the server (too many or too large images).';
  return sentence(details) || `The server answered with status ${err.status}.`;
}

/** Reads an error response body in either error shape. */
export async function serverErrorFrom(res: Response): Promise<ServerError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as {
      error?: string | { message?: string; code?: string | number | null; type?: string };
      details?: string;
    };
    if (typeof body.error === 'string')
      return { status: res.status, code: body.error, message: body.details ?? body.error };
    if (body.error && typeof body.error === 'object')
      return {
        status: res.status,
        code: body.error.code != null ? String(body.error.code) : body.error.type,
        message: body.error.message ?? '',
      };
  } catch {
    // not JSON
  }
  return { status: res.status, message: text.trim() || res.statusText };
}
