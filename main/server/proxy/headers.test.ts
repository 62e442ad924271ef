import { describe, expect, it } from 'vitest';
import { extractKey } from '../../auth/extract-key';
import { clientResponseHeaders, stripApiKeyParam, upstreamRequestHeaders } from './headers';

const pairs = (flat: string[]) =>
  Object.fromEntries(flat.flatMap((_, i) => (i % 2 ? [] : [[flat[i], flat[i + 1]]])));

describe('upstreamRequestHeaders', () => {
  it("drops hop-by-hop headers, those the Connection header names, Expect and the client's credentials", () => {
    const out = upstreamRequestHeaders({
      rawHeaders: [
        'Host',
        'localhost:8080',
        'Connection',
        'keep-alive, X-Trace',
        'Keep-Alive',
        'timeout=5',
        'X-Trace',
        '1',
        'TE',
        'trailers',
        'Upgrade',
        'h2c',
        'Proxy-Authorization',
        'Basic x',
        'Authorization',
        'Bearer llamactl-secret',
        'X-API-Key',
        'llamactl-secret',
        'Expect',
        '100-continue',
        'Transfer-Encoding',
        'chunked',
        'Content-Type',
        'application/json',
        'Content-Length',
        '12',
      ],
      connection: 'keep-alive, X-Trace',
      remoteAddress: '127.0.0.1',
      bodyLength: 20,
    });
    expect(pairs(out)).toEqual({
      Host: 'localhost:8080',
      'Content-Type': 'application/json',
      'content-length': '20',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-host': 'localhost:8080',
      'x-forwarded-proto': 'http',
    });
  });

  it("sends the backend's own api_key instead of the client's", () => {
    const out = pairs(
      upstreamRequestHeaders({
        rawHeaders: ['authorization', 'Bearer llamactl-secret'],
        backendKey: 'backend-key',
      }),
    );
    expect(out.authorization).toBe('Bearer backend-key');
  });

  it("keeps a streamed body's length and appends the client to an existing X-Forwarded-For", () => {
    const out = pairs(
      upstreamRequestHeaders({
        rawHeaders: [
          'X-Forwarded-For',
          '10.0.0.1',
          'X-Forwarded-Proto',
          'https',
          'Content-Length',
          '3',
        ],
        remoteAddress: '127.0.0.1',
        clientContentLength: '3',
      }),
    );
    expect(out).toEqual({
      'X-Forwarded-Proto': 'https',
      'content-length': '3',
      'x-forwarded-for': '10.0.0.1, 127.0.0.1',
    });
  });

  it("gives a remote node its key, its Host and the forwarded-by marker in place of the caller's", () => {
    const h = upstreamRequestHeaders({
      rawHeaders: [
        'Host',
        'main:8080',
        'Authorization',
        'Bearer caller',
        'X-API-Key',
        'caller',
        'x-llamactl-forwarded-by',
        'spoofed',
        'Connection',
        'keep-alive, x-trace',
        'x-trace',
        '1',
        'Content-Type',
        'application/json',
      ],
      connection: 'keep-alive, x-trace',
      remoteAddress: '10.0.0.5',
      set: { authorization: 'Bearer node-key', 'x-llamactl-forwarded-by': 'main' },
      host: 'gpu:8080',
    });
    expect(h).toEqual([
      'Content-Type',
      'application/json',
      'host',
      'gpu:8080',
      'authorization',
      'Bearer node-key',
      'x-llamactl-forwarded-by',
      'main',
      'x-forwarded-for',
      '10.0.0.5',
      'x-forwarded-host',
      'main:8080',
      'x-forwarded-proto',
      'http',
    ]);
  });

  it('never drops the body length even when Connection names it', () => {
    const out = pairs(
      upstreamRequestHeaders({
        rawHeaders: ['Connection', 'content-length'],
        connection: 'content-length',
        bodyLength: 3,
      }),
    );
    expect(out['content-length']).toBe('3');
  });
});

describe('clientResponseHeaders', () => {
  const raw = (flat: string[]) => flat.map((x) => Buffer.from(x, 'latin1'));

  it("strips the backend's CORS and hop-by-hop headers and sets the configured response headers", () => {
    const out = clientResponseHeaders(
      raw([
        'Content-Type',
        'text/event-stream',
        'Transfer-Encoding',
        'chunked',
        'Connection',
        'close',
        'Keep-Alive',
        'timeout=5, max=100',
        'Access-Control-Allow-Origin',
        '*',
        'access-control-allow-credentials',
        'true',
        'X-Served-By',
        'backend',
        'Set-Cookie',
        'a=1',
        'Set-Cookie',
        'b=2',
      ]),
      { 'X-Served-By': 'llamactl', 'Cache-Control': 'no-store' },
    );
    expect(out).toEqual({
      headers: [
        'content-type',
        'text/event-stream',
        'set-cookie',
        'a=1',
        'set-cookie',
        'b=2',
        'x-served-by',
        'llamactl',
        'cache-control',
        'no-store',
      ],
      length: null,
    });
  });

  it('drops the headers the Connection header names, keeps Content-Length, and keeps bytes beyond ASCII as sent', () => {
    const out = clientResponseHeaders(
      [
        Buffer.from('X-Trace'),
        Buffer.from('1'),
        Buffer.from('Connection'),
        Buffer.from('X-Trace, keep-alive'),
        Buffer.from('Content-Length'),
        Buffer.from('2'),
        Buffer.from('X-Name'),
        Buffer.from('café', 'utf8'),
      ],
      undefined,
    );
    expect(out.length).toBe(2);
    expect(out.headers).toEqual([
      'content-length',
      '2',
      'x-name',
      Buffer.from('café', 'utf8').toString('latin1'),
    ]);
  });
});

describe('stripApiKeyParam', () => {
  it.each([
    ['/v1/models?api_key=k', '/v1/models'],
    ['/props?a=1&api_key=k&b=2', '/props?a=1&b=2'],
    ['/props?api_key_x=1&api_key=k', '/props?api_key_x=1'],
    ['/slots?x=%20y', '/slots?x=%20y'],
    ['/health', '/health'],
    // the name is compared decoded, as the key is read (URLSearchParams)
    ['/v1/models?api%5Fkey=k', '/v1/models'],
    ['/props?a=1&%61pi_key=k&b=2', '/props?a=1&b=2'],
    ['/props?API_KEY=k', '/props?API_KEY=k'],
    ['/props?api%5fkey=k&%zz=1', '/props?%zz=1'],
  ])('%s -> %s', (input, output) => {
    expect(stripApiKeyParam(input)).toBe(output);
  });

  it('strips every parameter the key could have been read from', () => {
    for (const url of ['/m?api%5Fkey=secret', '/m?%61%70%69%5F%6B%65%79=secret&x=1']) {
      expect(extractKey({}, url)).toBe('secret');
      expect(stripApiKeyParam(url)).not.toContain('secret');
    }
  });
});

describe('request ids through the proxy', () => {
  it("sends our request id upstream in place of the client's x-request-id", () => {
    const out = upstreamRequestHeaders({
      rawHeaders: ['X-Request-Id', 'client-1', 'X-Client-Request-Id', 'sdk-2', 'Accept', '*/*'],
      requestId: 'client-1',
      remoteAddress: '127.0.0.1',
    });
    const ids = out.filter((_, i) => i % 2 === 0 && out[i].toLowerCase() === 'x-request-id');
    expect(ids).toHaveLength(1);
    expect(out[out.indexOf('x-request-id') + 1]).toBe('client-1');
    expect(out).toContain('X-Client-Request-Id');
  });

  it("answers with our id in place of a backend's own, as request-id too on Anthropic routes", () => {
    const raw = ['X-Request-Id', 'vllm-77', 'Content-Type', 'application/json'];
    const openai = clientResponseHeaders(raw, undefined, false, { id: 'req_a', anthropic: false });
    expect(openai.headers).toEqual(['content-type', 'application/json', 'x-request-id', 'req_a']);
    const anthropic = clientResponseHeaders(raw, undefined, false, {
      id: 'req_b',
      anthropic: true,
    });
    expect(anthropic.headers).toEqual([
      'content-type',
      'application/json',
      'x-request-id',
      'req_b',
      'request-id',
      'req_b',
    ]);
    expect(clientResponseHeaders(raw, undefined).headers).toContain('vllm-77');
  });
});
