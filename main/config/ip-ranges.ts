import { BlockList, isIP } from 'node:net';

/** An IP address or CIDR range as written in `server.trusted_proxies`. */
export interface IpRange {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** `10.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`; null for anything else (names are not allowed). */
export function parseIpRange(text: string): IpRange | null {
  const [address, bits, ...rest] = text.trim().split('/');
  if (rest.length) return null;
  const v = isIP(address);
  if (v === 0) return null;
  const max = v === 4 ? 32 : 128;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return null;
  const prefix = bits === undefined ? max : Number(bits);
  if (prefix > max) return null;
  return { address, prefix, family: v === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * A matcher for peer addresses. IPv4 peers of a dual-stack socket (`::ffff:10.0.0.1`) match
 * IPv4 entries.
 */
export function ipMatcher(entries: readonly string[]): (address: string | undefined) => boolean {
  const list = new BlockList();
  let any = false;
  for (const e of entries) {
    const r = parseIpRange(e);
    if (!r) continue;
    list.addSubnet(r.address, r.prefix, r.family);
    any = true;
  }
  if (!any) return () => false;
  return (address) => {
    if (!address) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    const a = mapped ? mapped[1] : address;
    const v = isIP(a);
    return v !== 0 && list.check(a, v === 4 ? 'ipv4' : 'ipv6');
  };
}
