import { BlockList, isIP } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * Whether a URL's host is this machine: `localhost`, an IP address in 127.0.0.0/8, or `::1`
 * (also written `[::1]`, or IPv4-mapped as `::ffff:127.x.y.z`). Parsed as an address, never
 * compared as text: `127.attacker.example` is a name like any other. The only place plain http
 * is accepted for a peer that receives a token.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost') return true;
  const family = isIP(host);
  if (family === 4) return LOOPBACK.check(host, 'ipv4');
  if (family === 6) return LOOPBACK.check(host, 'ipv6');
  return false;
}
