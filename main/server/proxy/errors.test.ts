import { describe, expect, it } from 'vitest';
import { AppError, ERROR_STATUS, type ErrorCode } from '../../../shared/errors';
import { errorBody, errorHeaders, errorStyleFor } from './errors';
import {
  ANTHROPIC_EXAMPLES,
  ANTHROPIC_STATUS_TYPES,
  AnthropicErrorSchema,
  ManagementErrorSchema,
  OPENAI_EXAMPLES,
  OpenAIErrorSchema,
} from './fixtures/official-error-shapes';

const CODES = Object.keys(ERROR_STATUS) as ErrorCode[];
const RID = 'req_0123456789abcdef0123456789abcdef';

describe('the official shapes the error tests compare against', () => {
  it.each(Object.entries(OPENAI_EXAMPLES))('accept OpenAI’s own %s body', (_name, ex) => {
    expect(OpenAIErrorSchema.safeParse(ex.body).success).toBe(true);
  });
  it.each(Object.entries(ANTHROPIC_EXAMPLES))('accept Anthropic’s own %s body', (_name, ex) => {
    expect(AnthropicErrorSchema.safeParse(ex.body).success).toBe(true);
  });
  it('refuse the shape each other protocol uses', () => {
    expect(OpenAIErrorSchema.safeParse(ANTHROPIC_EXAMPLES.not_found_error.body).success).toBe(
      false,
    );
    expect(AnthropicErrorSchema.safeParse(OPENAI_EXAMPLES.model_not_found.body).success).toBe(
      false,
    );
    // llamactl's 401 body B on /v1 before issue 21: no param, no code
    expect(
      OpenAIErrorSchema.safeParse({
        error: { message: 'Invalid API key', type: 'authentication_error' },
      }).success,
    ).toBe(false);
  });
});

describe('errorStyleFor', () => {
  it.each([
    ['/v1/messages', 'anthropic'],
    ['/v1/messages/count_tokens', 'anthropic'],
    ['/v1/messages?beta=true', 'anthropic'],
    ['/v1/messagesx', 'openai'],
    ['/v1/chat/completions', 'openai'],
    ['/v1/models/a%2Fb', 'openai'],
    ['/v1', 'openai'],
    ['/llama-cpp/alpha/props', 'openai'],
    ['/api/v1/instances', 'management'],
    ['/v10/x', 'management'],
  ] as const)('%s answers errors in the %s shape', (path, style) => {
    expect(errorStyleFor(path)).toBe(style);
  });
});

describe('every error code in the OpenAI shape', () => {
  it.each(CODES)('%s', (code) => {
    const err = new AppError(code, `details of ${code}`);
    const body = JSON.parse(errorBody(err, 'openai', RID));
    expect(OpenAIErrorSchema.parse(body)).toEqual(body);
    expect(body.error.type).toBe(err.status >= 500 ? 'server_error' : 'invalid_request_error');
    expect(body.error.message).toBe(`details of ${code}`);
    const headers = errorHeaders(err, 'openai', RID);
    expect(headers['x-request-id']).toBe(RID);
    expect(headers['request-id']).toBeUndefined();
    expect(headers['content-type']).toMatch(/^application\/json/);
  });

  it("names the model: unknown model is model_not_found with param 'model', like the service", () => {
    const body = JSON.parse(
      errorBody(new AppError('model_not_found', "The model 'x' does not exist"), 'openai'),
    );
    expect(body.error).toMatchObject({
      type: OPENAI_EXAMPLES.model_not_found.body.error.type,
      code: 'model_not_found',
      param: 'model',
    });
    const missing = JSON.parse(
      errorBody(
        new AppError('invalid_request', 'Model name is required', { param: 'model' }),
        'openai',
      ),
    );
    expect(missing.error.param).toBe('model');
  });

  it('answers key failures as the service does: invalid_api_key, and code null for a missing key', () => {
    const bad = JSON.parse(errorBody(new AppError('invalid_api_key', 'Invalid API key'), 'openai'));
    expect(bad.error).toEqual({
      message: 'Invalid API key',
      type: OPENAI_EXAMPLES.invalid_api_key.body.error.type,
      param: null,
      code: 'invalid_api_key',
    });
    const none = JSON.parse(
      errorBody(new AppError('missing_api_key', 'Missing API key'), 'openai'),
    );
    expect(none.error.code).toBeNull();
    expect(ERROR_STATUS.invalid_api_key).toBe(OPENAI_EXAMPLES.invalid_api_key.status);
    expect(ERROR_STATUS.model_not_found).toBe(OPENAI_EXAMPLES.model_not_found.status);
  });
});

describe('every error code in the Anthropic shape', () => {
  it.each(CODES)('%s', (code) => {
    const err = new AppError(code, `details of ${code}`);
    const body = JSON.parse(errorBody(err, 'anthropic', RID));
    expect(AnthropicErrorSchema.parse(body)).toEqual(body);
    expect(body.request_id).toBe(RID);
    const documented = ANTHROPIC_STATUS_TYPES[err.status];
    if (documented) expect(body.error.type).toBe(documented);
    else if (err.status === 503) expect(body.error.type).toBe('overloaded_error');
    else if (err.status === 504) expect(body.error.type).toBe('timeout_error');
    else if (err.status >= 500) expect(body.error.type).toBe('api_error');
    else expect(body.error.type).toBe('invalid_request_error');
    const headers = errorHeaders(err, 'anthropic', RID);
    // The Anthropic SDK reads `request-id`; the openai SDK and most proxies `x-request-id`.
    expect(headers['request-id']).toBe(RID);
    expect(headers['x-request-id']).toBe(RID);
  });
});

describe('every error code in the management shape', () => {
  it.each(CODES)('%s', (code) => {
    const body = JSON.parse(errorBody(new AppError(code, 'why'), 'management'));
    expect(ManagementErrorSchema.parse(body)).toEqual({ error: code, details: 'why' });
  });

  it("adds an error's figures to the management body only", () => {
    const err = new AppError('insufficient_memory', 'too big', {
      fields: { needed_bytes: 10, available_bytes: 5 },
    });
    expect(JSON.parse(errorBody(err, 'management'))).toEqual({
      error: 'insufficient_memory',
      details: 'too big',
      needed_bytes: 10,
      available_bytes: 5,
    });
    expect(JSON.parse(errorBody(err, 'openai')).error).not.toHaveProperty('needed_bytes');
  });
});

describe('errorHeaders', () => {
  it.each(CODES)('%s says x-should-retry: false only when a retry meets the same error', (code) => {
    const expected =
      code === 'instance_start_failed' ||
      code === 'instance_not_running' ||
      code === 'insufficient_memory'
        ? 'false'
        : undefined;
    for (const style of ['openai', 'anthropic', 'management'] as const)
      expect(errorHeaders(new AppError(code, 'x'), style, RID)['x-should-retry']).toBe(expected);
  });

  it("carries the error's own headers (Retry-After, Allow) in lower case", () => {
    const h = errorHeaders(
      new AppError('instance_start_timeout', 'slow', { headers: { 'Retry-After': '7' } }),
      'anthropic',
      RID,
    );
    expect(h['retry-after']).toBe('7');
    const a = errorHeaders(
      new AppError('method_not_allowed', 'no', { headers: { Allow: 'GET, HEAD' } }),
      'openai',
      RID,
    );
    expect(a.allow).toBe('GET, HEAD');
  });

  it('sends no request id header when the request has none (management routes)', () => {
    const h = errorHeaders(new AppError('not_found', 'x'), 'management', undefined);
    expect(h['x-request-id']).toBeUndefined();
  });
});
