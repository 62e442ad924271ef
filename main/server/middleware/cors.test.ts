import { loadConfig } from '../../config/load-config';
import type { IncomingMessage } from 'node:http';
import { browserView, corsPolicy, isAllowedOrigin, isSameOrigin } from './cors';

const policy = (allowed_origins: string[]) =>
  corsPolicy(loadConfig({ env: {}, files: false, overrides: { server: { allowed_origins } } }));

describe('allowed origins', () => {
  const cases: Array<[string[], string, boolean]> = [
    [[], 'http://localhost:3000', false],
    [['*'], 'https://anything.example', true],
    [['http://app.example'], 'http://app.example', true],
    [['http://app.example'], 'HTTP://APP.EXAMPLE', true],
    [['http://app.example'], 'http://app.example.evil', false],
    [['http://*.example.com'], 'http://a.example.com', true],
    [['http://*.example.com'], 'http://example.com', false],
    [['http://*.example.com'], 'http://a.example.com.evil', false],
    [['http://*.example.com'], 'https://a.example.com', false],
  ];
  it.each(cases)('%j allows %s: %s', (list, origin, want) => {
    expect(isAllowedOrigin(origin, policy(list))).toBe(want);
  });
});

describe('same origin', () => {
  const cases: Array<[string, string | undefined, boolean]> = [
    ['http://127.0.0.1:8080', '127.0.0.1:8080', true],
    ['http://localhost:8080', '127.0.0.1:8080', false],
    ['http://127.0.0.1:3000', '127.0.0.1:8080', false],
    ['http://example.com', 'example.com:80', true],
    ['https://example.com', 'example.com', true],
    ['https://example.com', 'example.com:443', true],
    ['https://example.com', 'example.com:80', false],
    ['http://example.com', 'example.com:443', false],
    ['https://example.com:8443', 'example.com:8443', true],
    ['null', '127.0.0.1:8080', false],
    ['file://', '127.0.0.1:8080', false],
    ['http://127.0.0.1:8080', undefined, false],
  ];
  it.each(cases)('Origin %s with Host %s -> %s', (origin, host, want) => {
    expect(isSameOrigin(origin, host)).toBe(want);
  });
});

describe('same origin with the scheme a trusted proxy reports', () => {
  it('requires the Origin to have that scheme and uses its default port', () => {
    expect(isSameOrigin('https://llm.lan', 'llm.lan', 'https:')).toBe(true);
    expect(isSameOrigin('http://llm.lan', 'llm.lan', 'https:')).toBe(false);
    expect(isSameOrigin('https://llm.lan', 'llm.lan:443', 'https:')).toBe(true);
    expect(isSameOrigin('http://llm.lan:443', 'llm.lan', 'https:')).toBe(false);
  });
});

describe('what the browser addressed, behind proxies', () => {
  const trusting = (trusted_proxies: string[]) =>
    corsPolicy(loadConfig({ env: {}, files: false, overrides: { server: { trusted_proxies } } }));
  const req = (remoteAddress: string, headers: Record<string, string>) =>
    ({ socket: { remoteAddress }, headers }) as unknown as IncomingMessage;
  const forwarded = {
    host: '127.0.0.1:8080',
    'x-forwarded-host': 'llm.example.com, inner.lan',
    'x-forwarded-proto': 'HTTPS, http',
  };

  it("takes a trusted proxy's X-Forwarded-Host and -Proto (the first entries)", () => {
    expect(browserView(trusting(['10.0.0.0/8']), req('::ffff:10.1.2.3', forwarded))).toEqual({
      host: 'llm.example.com',
      scheme: 'https:',
    });
  });

  it('ignores them from any other peer', () => {
    expect(browserView(trusting(['10.0.0.0/8']), req('192.168.1.9', forwarded))).toEqual({
      host: '127.0.0.1:8080',
    });
    expect(browserView(trusting([]), req('127.0.0.1', forwarded))).toEqual({
      host: '127.0.0.1:8080',
    });
  });

  it('keeps the Host when a trusted proxy sends no X-Forwarded-Host, and ignores odd schemes', () => {
    expect(
      browserView(
        trusting(['127.0.0.1']),
        req('127.0.0.1', { host: 'llm.lan', 'x-forwarded-proto': 'ws' }),
      ),
    ).toEqual({ host: 'llm.lan', scheme: undefined });
  });
});
