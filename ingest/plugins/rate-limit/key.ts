// What a rate limit counts by: the client's IPv4 address, or the /64 network of an IPv6 one. An IPv6
// client is given a whole /64 (a home connection, a cloud VM's interface) and picks any address in it at
// will, so a limit per address was no limit: each request from a new address drew from a full bucket.
import { isIP } from 'node:net';
import { expandV6 } from '../../privacy/ip.ts';

export function rateLimitKey(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  const groups = expandV6(ip.toLowerCase());
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}
