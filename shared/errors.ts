/**
 * Error codes and their HTTP status, in one table. Management API bodies keep llamactl's shape
 * `{"error": "<code>", "details": "<text>"}`; some llamactl codes contain spaces on purpose
 * (wire compatibility), so codes are plain strings, not identifiers.
 */
export const ERROR_STATUS = {
  // generic
  invalid_request: 400,
  invalid_json: 400,
  invalid_parameter: 400,
  validation_error: 400,
  payload_too_large: 413,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  internal_error: 500,
  forbidden_host: 403,
  forbidden_origin: 403,
  // auth
  unauthorized: 401,
  /** inference routes: no key given / a key that is not valid (OpenAI's `invalid_api_key`) */
  missing_api_key: 401,
  invalid_api_key: 401,
  permission_denied: 403,
  invalid_name: 400,
  invalid_permission_mode: 400,
  missing_permissions: 400,
  invalid_expires_at: 400,
  invalid_instance_id: 400,
  invalid_id: 400,
  // instances
  invalid_instance_name: 400,
  'invalid instance': 400,
  invalid_instance: 400,
  instance_not_found: 404,
  instance_exists: 409,
  create_failed: 500,
  update_failed: 500,
  delete_failed: 409,
  instance_running: 409,
  max_instances_reached: 409,
  limit_reached: 409,
  /** a start whose memory estimate does not fit in the free memory (instances.memory_check) */
  insufficient_memory: 409,
  port_unavailable: 409,
  start_failed: 500,
  stop_failed: 500,
  restart_failed: 500,
  logs_failed: 500,
  instance_not_running: 503,
  'instance is not running': 400,
  instance_shutting_down: 503,
  instance_start_failed: 500,
  'instance start failed': 500,
  instance_start_timeout: 503,
  // backends
  invalid_command: 400,
  parse_error: 400,
  'command failed': 500,
  command_not_found: 500,
  command_timeout: 504,
  // proxy
  bad_gateway: 502,
  node_unreachable: 502,
  /** a node answered, but not as expected (refused our key, a status we do not know) */
  node_error: 502,
  invalid_node_address: 500,
  // models
  model_not_found: 404,
  job_not_found: 404,
  job_not_cancellable: 409,
  node_not_found: 404,
  /** a model request for a remote node before node forwarding exists */
  node_forwarding_unavailable: 501,
  download_failed: 500,
  /** a cache folder is a link leading out of the cache: nothing is written or deleted there */
  unsafe_cache_path: 409,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The error every service throws; the server's one error middleware turns it into a response. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: string;
  /** Extra response headers (e.g. Retry-After) */
  readonly headers?: Record<string, string>;
  /**
   * The last lines of an instance's log (a failed start). Management responses append them to
   * `details`; inference responses never carry them, as a backend may print its own argv
   * (`--api-key`) or tokens there.
   */
  readonly logTail?: string;
  /** The request field the error is about (OpenAI's `param`, e.g. "model"). */
  readonly param?: string;
  /** Figures a client can read without parsing `details` (management bodies carry them). */
  readonly fields?: Record<string, string | number>;
  constructor(
    code: ErrorCode,
    details: string,
    opts?: {
      headers?: Record<string, string>;
      cause?: unknown;
      logTail?: string;
      param?: string;
      fields?: Record<string, string | number>;
    },
  ) {
    super(details, opts?.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
    this.headers = opts?.headers;
    if (opts?.logTail) this.logTail = opts.logTail;
    if (opts?.param) this.param = opts.param;
    if (opts?.fields) this.fields = opts.fields;
  }
  /** `details` with the log tail, for management clients only. */
  get managementDetails(): string {
    return this.logTail ? `${this.details}\n--- last log lines ---\n${this.logTail}` : this.details;
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** llamactl's "error body A" */
export interface ErrorBody {
  error: string;
  details?: string;
}

/**
 * Errors that the same request will meet again at once: clients are told not to retry them
 * (`x-should-retry: false`, honoured by the openai and Anthropic SDKs, which otherwise retry
 * every 5xx). A retried on-demand start that fails would spawn the backend once per retry.
 */
export const NOT_RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'instance_start_failed',
  'instance_not_running',
  'insufficient_memory',
]);
