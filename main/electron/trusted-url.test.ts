import { externalLink, isDashboardUrl, isTrustedUrl, loopbackOrigin } from './trusted-url';

const APP = 'http://127.0.0.1:8080';

describe('isTrustedUrl', () => {
  // [url, trusted, why]
  const table: Array<[unknown, boolean, string]> = [
    ['http://127.0.0.1:8080/', true, 'the dashboard root'],
    ['http://127.0.0.1:8080/instances/a?tab=logs#x', true, 'a dashboard route'],
    ['HTTP://127.0.0.1:8080/', true, 'scheme case does not matter'],
    ['http://127.0.0.1:08080/', true, 'a zero-padded port is the same port'],
    [
      'http://127.0.0.1.:8080/',
      true,
      'an IPv4 trailing dot parses to the same address, as in Chromium',
    ],
    ['http://2130706433:8080/', true, 'a decimal IPv4 parses to the same address, as in Chromium'],
    [
      'http://127.0.0.1:8080\\@evil.test/',
      true,
      'a backslash ends the host: the page is still ours',
    ],
    ['http://127.0.0.1:8081/', false, 'another port'],
    ['http://127.0.0.1/', false, 'the default port'],
    ['https://127.0.0.1:8080/', false, 'https is another origin'],
    ['http://localhost:8080/', false, 'localhost is another origin than 127.0.0.1'],
    ['http://localhost.:8080/', false, 'a trailing-dot hostname'],
    ['http://[::1]:8080/', false, 'IPv6 loopback is another origin'],
    ['http://[::ffff:127.0.0.1]:8080/', false, 'an IPv4-mapped IPv6 address is another host'],
    ['http://127.0.0.1:8080@evil.test/', false, 'userinfo that looks like our host'],
    ['http://evil.test@127.0.0.1:8080/', false, 'userinfo in front of our host'],
    ['http://user:pass@127.0.0.1:8080/', false, 'credentials on our own origin'],
    ['http://127.0.0.1%2f@evil.test/', false, 'encoded slash in the userinfo'],
    ['http://evil.test\\@127.0.0.1:8080/', false, 'a backslash before our host'],
    ['http://127.0.0.1.evil.test:8080/', false, 'our address as a subdomain label'],
    ['http://127.0.0.1:8080.evil.test/', false, 'a port that continues into a hostname'],
    ['http://xn--80ak6aa92e.com:8080/', false, 'punycode host'],
    ['http://аррӏе.com:8080/', false, 'IDN homograph host'],
    ['file:///etc/passwd', false, 'file URL'],
    ['javascript:alert(1)', false, 'javascript URL'],
    ['data:text/html,<script>alert(1)</script>', false, 'data URL'],
    ['blob:http://127.0.0.1:8080/1234', false, 'blob URL of our origin is not a page of the app'],
    ['view-source:http://127.0.0.1:8080/', false, 'view-source wrapper'],
    ['ws://127.0.0.1:8080/', false, 'websocket scheme'],
    ['//127.0.0.1:8080/', false, 'scheme-relative URL'],
    ['/instances', false, 'relative URL'],
    ['about:blank', false, 'about:blank'],
    ['', false, 'empty string'],
    [undefined, false, 'not a string'],
    [42, false, 'a number'],
  ];

  it.each(table)('%s -> %s (%s)', (url, trusted) => {
    expect(isTrustedUrl(url, APP)).toBe(trusted);
  });

  it('compares against the app origin, whatever path it is given with', () => {
    expect(isTrustedUrl('http://127.0.0.1:8080/x', 'http://127.0.0.1:8080/some/path')).toBe(true);
    expect(isTrustedUrl('http://localhost:9000/', 'http://localhost:9000')).toBe(true);
  });

  it('trusts nothing when the app origin is opaque or not http', () => {
    expect(isTrustedUrl('file:///a', 'file:///a')).toBe(false);
    expect(isTrustedUrl('data:text/plain,x', 'data:text/plain,x')).toBe(false);
    expect(isTrustedUrl('https://127.0.0.1:8080/', 'https://127.0.0.1:8080')).toBe(false);
    expect(isTrustedUrl('http://127.0.0.1:8080/', 'not a url')).toBe(false);
  });
});

describe('externalLink', () => {
  const table: Array<[unknown, string | null]> = [
    ['https://github.com/ggml-org/llama.cpp', 'https://github.com/ggml-org/llama.cpp'],
    ['http://example.test/a b', 'http://example.test/a%20b'],
    ['HTTPS://Example.TEST', 'https://example.test/'],
    ['https://user:pass@example.test/', null],
    ['https://example.test@evil.test/', null],
    ['file:///etc/passwd', null],
    ['javascript:alert(1)', null],
    ['data:text/html,x', null],
    ['mailto:a@b.test', null],
    ['smb://server/share', null],
    ['vscode://file/etc/passwd', null],
    ['/relative', null],
    ['', null],
    [null, null],
  ];
  it.each(table)('%s -> %s', (url, expected) => {
    expect(externalLink(url)).toBe(expected);
  });
});

describe('loopbackOrigin', () => {
  it('points the window at loopback when the server listens on every interface', () => {
    expect(loopbackOrigin('http://0.0.0.0:8080')).toBe('http://127.0.0.1:8080');
    expect(loopbackOrigin('http://[::]:8080')).toBe('http://[::1]:8080');
    expect(loopbackOrigin('http://192.168.1.5:8080/')).toBe('http://192.168.1.5:8080');
  });
});

describe('isDashboardUrl', () => {
  // [url, dashboard, why]
  const table: Array<[string, boolean, string]> = [
    ['http://127.0.0.1:8080/', true, 'the dashboard root'],
    ['http://127.0.0.1:8080/instances/qwen?tab=logs', true, 'a client-side route'],
    ['http://127.0.0.1:8080/assets/index-abc.js', true, 'a built asset'],
    ['http://127.0.0.1:8080/apis', true, 'a route that only starts with the same letters'],
    [
      'http://127.0.0.1:8080/api/v1/instances/qwen/proxy/',
      false,
      "the instance proxy: a backend's page",
    ],
    ['http://127.0.0.1:8080/llama-cpp/qwen/', false, "llama-server's own web UI"],
    ['http://127.0.0.1:8080/v1/models', false, 'the OpenAI-compatible API'],
    ['http://127.0.0.1:8080/api', false, 'the API root without a slash'],
    ['http://127.0.0.1:8080/API/v1/instances/qwen/proxy/', false, 'Express routes ignore case'],
    ['http://127.0.0.1:8080/%61pi/v1/instances/qwen/proxy/', false, 'a percent-encoded letter'],
    ['http://127.0.0.1:8080//llama-cpp/qwen/', false, 'a doubled slash'],
    [
      'http://127.0.0.1:8080/x/../llama-cpp/qwen/',
      false,
      'a dot segment (resolved by the URL parser)',
    ],
    ['http://127.0.0.1:8080\\llama-cpp\\qwen', false, 'backslashes are slashes in http URLs'],
    ['http://127.0.0.1:8080/%E0%A4%A', false, 'a malformed escape'],
    ['http://127.0.0.1:8081/', false, 'another origin'],
  ];
  it.each(table)('%s -> %s (%s)', (url, expected) => {
    expect(isDashboardUrl(url, APP)).toBe(expected);
  });
});
