import { instanceOf, plainError, serverErrorFrom } from './errors';

describe('plainError', () => {
  it('says a start failure with its reason, without the server prefix', () => {
    expect(
      plainError(
        {
          status: 500,
          code: 'instance_start_failed',
          message:
            'failed to start instance alpha: instance alpha exited with code 1 while starting',
        },
        'alpha',
      ),
    ).toBe('alpha could not start: Instance alpha exited with code 1 while starting.');
  });

  it('says the limit is reached and what to do', () => {
    const text = plainError(
      {
        status: 409,
        code: 'limit_reached',
        message: 'cannot start instance b: max_running_instances (1) reached',
      },
      'b/model.gguf',
    );
    expect(text).toMatch(/^b cannot start: the limit of running instances is reached/);
    expect(text).toMatch(/Stop another instance/);
  });

  it('says a key that may not use the instance is not allowed', () => {
    expect(plainError({ status: 403, code: 'permission_denied', message: 'x' }, 'alpha')).toBe(
      'Your key is not allowed to use alpha. Use a key that lists this instance, or the management key.',
    );
  });

  it('falls back to the server message as a sentence', () => {
    expect(plainError({ status: 400, code: 'invalid_request', message: 'bad thing' }, 'a')).toBe(
      'Bad thing.',
    );
  });
});

describe('serverErrorFrom', () => {
  it('reads both error shapes and plain text', async () => {
    const openai = new Response(
      JSON.stringify({ error: { message: 'm', type: 't', code: 'limit_reached' } }),
      { status: 409 },
    );
    expect(await serverErrorFrom(openai)).toEqual({
      status: 409,
      code: 'limit_reached',
      message: 'm',
    });
    const mgmt = new Response(
      JSON.stringify({ error: 'unauthorized', details: 'Invalid API key' }),
      {
        status: 401,
      },
    );
    expect(await serverErrorFrom(mgmt)).toEqual({
      status: 401,
      code: 'unauthorized',
      message: 'Invalid API key',
    });
    expect(await serverErrorFrom(new Response('boom', { status: 502 }))).toEqual({
      status: 502,
      message: 'boom',
    });
  });

  it('finds the instance of a router-mode model id', () => {
    expect(instanceOf('router/qwen.gguf')).toBe('router');
    expect(instanceOf('alpha')).toBe('alpha');
  });
});
