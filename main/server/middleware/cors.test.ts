import { loadConfig } from '../../config/load-config';
import { corsPolicy, isAllowedOrigin, isSameOrigin } from './cors';

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
    ['https://example.com', 'example.com', false],
    ['null', '127.0.0.1:8080', false],
    ['file://', '127.0.0.1:8080', false],
    ['http://127.0.0.1:8080', undefined, false],
  ];
  it.each(cases)('Origin %s with Host %s -> %s', (origin, host, want) => {
    expect(isSameOrigin(origin, host)).toBe(want);
  });
});
