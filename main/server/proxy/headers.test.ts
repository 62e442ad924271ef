import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { prepareRequestHeaders, prepareResponseHeaders, stripApiKeyParam } from './headers';

describe('prepareRequestHeaders', () => {
  it("drops hop-by-hop headers, those the Connection header names, Expect and the client's credentials", () => {
    const h: IncomingHttpHeaders = {
      host: 'localhost:8080',
      connection: 'keep-alive, X-Trace',
      'keep-alive': 'timeout=5',
      'x-trace': '1',
      te: 'trailers',
      upgrade: 'h2c',
      'proxy-authorization': 'Basic x',
      authorization: 'Bearer llamactl-secret',
      'x-api-key': 'llamactl-secret',
      expect: '100-continue',
      'content-type': 'application/json',
      'content-length': '12',
    };
    prepareRequestHeaders(h);
    expect(h).toEqual({ host: 'localhost:8080', 'content-type': 'application/json', 'content-length': '12' });
  });
  it("sends the backend's own api_key instead of the client's", () => {
    const h: IncomingHttpHeaders = { authorization: 'Bearer llamactl-secret' };
    prepareRequestHeaders(h, 'backend-key');
    expect(h.authorization).toBe('Bearer backend-key');
  });
  it('never drops the body length even when Connection names it', () => {
    const h: IncomingHttpHeaders = { connection: 'content-length', 'content-length': '3' };
    prepareRequestHeaders(h);
    expect(h['content-length']).toBe('3');
  });
});

describe('prepareResponseHeaders', () => {
  it("strips the backend's CORS and hop-by-hop headers and sets the configured response headers", () => {
    const h: IncomingHttpHeaders = {
      'content-type': 'text/event-stream',
      'transfer-encoding': 'chunked',
      connection: 'close',
      'keep-alive': 'timeout=5, max=100',
      'access-control-allow-origin': '*',
      'access-control-allow-credentials': 'true',
      'x-served-by': 'backend',
    };
    prepareResponseHeaders(h, { 'X-Served-By': 'llamactl', 'Cache-Control': 'no-store' });
    expect(h).toEqual({ 'content-type': 'text/event-stream', 'x-served-by': 'llamactl', 'cache-control': 'no-store' });
  });
});

describe('stripApiKeyParam', () => {
  it.each([
    ['/v1/models?api_key=k', '/v1/models'],
    ['/props?a=1&api_key=k&b=2', '/props?a=1&b=2'],
    ['/props?api_key_x=1&api_key=k', '/props?api_key_x=1'],
    ['/slots?x=%20y', '/slots?x=%20y'],
    ['/health', '/health'],
  ])('%s -> %s', (input, output) => {
    expect(stripApiKeyParam(input)).toBe(output);
  });
});
