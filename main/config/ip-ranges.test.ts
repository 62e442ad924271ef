import { ipMatcher, parseIpRange } from './ip-ranges';

describe('trusted proxy entries', () => {
  it.each(['10.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', '192.168.1.0/24', '0.0.0.0/0'])(
    'accepts %s',
    (e) => expect(parseIpRange(e)).not.toBeNull(),
  );
  it.each(['proxy.lan', '10.0.0.0/33', '::1/129', '10.0.0.0/', '10.0.0.0/8/8', '', '10.0.0.0/-1'])(
    'refuses %j',
    (e) => expect(parseIpRange(e)).toBeNull(),
  );

  it('matches addresses and ranges, IPv4 peers of a dual-stack socket included', () => {
    const trusted = ipMatcher(['127.0.0.1', '10.1.0.0/16', 'fd00::/8']);
    expect(trusted('127.0.0.1')).toBe(true);
    expect(trusted('::ffff:127.0.0.1')).toBe(true);
    expect(trusted('10.1.200.3')).toBe(true);
    expect(trusted('10.2.0.1')).toBe(false);
    expect(trusted('fd12::5')).toBe(true);
    expect(trusted('::1')).toBe(false);
    expect(trusted(undefined)).toBe(false);
    expect(ipMatcher([])('127.0.0.1')).toBe(false);
  });
});
