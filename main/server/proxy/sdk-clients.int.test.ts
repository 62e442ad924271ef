import Anthropic from '@anthropic-ai/sdk';
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { createInstance, modelFile, testPortRange } from '../../instances/test-helpers';
import { startTestServer, type TestServer } from '../../testing/test-server';

// The official clients against our server and the fake backend: what their users see.

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({
    // the window off: a second spawn could only come from a client's retry
    config: { instances: { port_range: testPortRange(65), failed_start_backoff: 0 } },
  });
  await createInstance(s, 'alpha', { backend_options: { model: modelFile('alpha.gguf') } });
  // crashes right after it starts listening: every start fails
  await createInstance(s, 'broken', {
    auto_restart: false,
    max_restarts: 0,
    environment: { FAKE_HEALTH_503_MS: '60000', FAKE_CRASH_AFTER_MS: '50' },
  });
});
afterAll(async () => {
  await s?.close();
});

function startsOf(name: string): number {
  const log = readFileSync(s.services.instances.logFile(name), 'utf8');
  return (log.match(new RegExp(`=== Instance ${name} started at`, 'g')) ?? []).length;
}

describe('the official openai client', () => {
  const client = () => new OpenAI({ baseURL: `${s.url}/v1`, apiKey: s.mgmtKey, maxRetries: 3 });

  it('gets our request id on answers and errors', async () => {
    const { data, response } = await client()
      .chat.completions.create({ model: 'alpha', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toContain('fake reply');
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);

    const err = await client()
      .chat.completions.create({ model: 'nope', messages: [] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    const e = err as InstanceType<typeof OpenAI.NotFoundError>;
    expect(e.requestID).toMatch(/^req_[0-9a-f]{32}$/);
    expect(e.code).toBe('model_not_found');
    expect(e.param).toBe('model');
  });

  it('does not retry a failed start, so the backend is spawned once', async () => {
    const err = await client()
      .chat.completions.create({ model: 'broken', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('instance_start_failed');
    expect(startsOf('broken')).toBe(1);
  });
});

describe('the official Anthropic client', () => {
  const client = () => new Anthropic({ baseURL: s.url, apiKey: s.mgmtKey, maxRetries: 3 });

  it('reads our errors in its own shape, with the request id, and does not retry a failed start', async () => {
    const before = startsOf('broken');
    const err = await client()
      .messages.create({
        model: 'broken',
        max_tokens: 8,
        messages: [{ role: 'user', content: 'hi' }],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    const e = err as InstanceType<typeof Anthropic.APIError>;
    expect((e.error as { type: string; error: { type: string } }).error.type).toBe('api_error');
    expect(e.requestID).toMatch(/^req_[0-9a-f]{32}$/);
    expect(startsOf('broken')).toBe(before + 1);

    const missing = await client()
      .messages.create({ model: 'nope', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] })
      .catch((x: unknown) => x);
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
    expect(
      ((missing as InstanceType<typeof Anthropic.APIError>).error as { error: { type: string } })
        .error.type,
    ).toBe('not_found_error');
  });
});
