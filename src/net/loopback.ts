import { BlockList, isIP } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
// ::ffff:127.0.0.0/104: IPv4 loopback mapped into IPv6 (Go's net.IP.IsLoopback counts it too).
LOOPBACK.addSubnet('::ffff:7f00:0', 104, 'ipv6');

/**
 * Whether a URL's host is this machine: `localhost`, an IP address in 127.0.0.0/8, `::1`, or
 * IPv4 loopback mapped into IPv6 (`[::ffff:127.0.0.1]`), written with or without brackets.
 * Parsed as an address, never compared as text: `127.attacker.example` is a name like any other.
 *
 * The one loopback decision of the action: plain http is accepted only for such a host, and
 * every client reaches such a host directly, never through a proxy (net/http.ts makes
 * @actions/http-client agree, whose own rule is a `127.` / `[::1]` text prefix; the cluster's
 * proxy choice, kubernetes/cluster/proxy.ts, asks this function as kubectl asks Go's).
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost') return true;
  const family = isIP(host);
  if (family === 4) return LOOPBACK.check(host, 'ipv4');
  if (family === 6) return LOOPBACK.check(host, 'ipv6');
  return false;
}
