import { loadConfig } from '../../config/load-config';
import { hostPolicy, isAllowedHost } from './host-check';

function policy(host: string, allowed_hosts: string[] = []) {
  return hostPolicy(
    loadConfig({ env: {}, files: false, overrides: { server: { host, allowed_hosts } } }),
  );
}

describe('Host header check for loopback binds', () => {
  const p = policy('127.0.0.1', ['box.lan', 'tunnel.local:9000', '[fe80::1]']);
  const cases: Array<[string | undefined, boolean]> = [
    ['127.0.0.1:8080', true],
    ['localhost:8080', true],
    ['LOCALHOST:8080', true],
    ['[::1]:8080', true],
    ['localhost', true],
    ['127.0.0.1:5173', true],
    ['evil.example:8080', false],
    ['evil.example', false],
    ['localhost.evil.example:8080', false],
    ['127.0.0.1.nip.io:8080', false],
    ['box.lan:1234', true],
    ['tunnel.local:9000', true],
    ['tunnel.local:8080', false],
    ['[fe80::1]:8080', true],
    ['', false],
    [undefined, true],
  ];
  it.each(cases)('Host %j -> allowed %s', (host, allowed) => {
    expect(isAllowedHost(host, p!)).toBe(allowed);
  });

  it('gives the same answers when asked again and after more names than it remembers', () => {
    const q = policy('127.0.0.1')!;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 600; i++) expect(isAllowedHost(`host${i}.evil.example`, q)).toBe(false);
      expect(isAllowedHost('localhost:8080', q)).toBe(true);
      expect(isAllowedHost('evil.example', q)).toBe(false);
    }
  });

  it('accepts the bound name itself for ::1 and localhost binds', () => {
    expect(isAllowedHost('[::1]:7000', policy('::1')!)).toBe(true);
    expect(isAllowedHost('localhost:7000', policy('localhost')!)).toBe(true);
    expect(isAllowedHost('127.0.0.2:7000', policy('127.0.0.2')!)).toBe(true);
  });

  it('makes no check for a LAN bind, where clients may use any name', () => {
    expect(policy('0.0.0.0')).toBeNull();
    expect(policy('192.168.1.5')).toBeNull();
  });
});
