// IP handling mode: keep, truncate (IPv4 /24, IPv6 /48) or drop. One function, applied to every table that
// has an ip column (events, agreements, logs …), so no table keeps what the mode removes.
import { isIP } from 'node:net';
import type { Hasher } from './hash.ts';

export type IpMode = 'keep' | 'truncate' | 'drop';

export function applyIpMode(ip: string, mode: IpMode): string {
  if (mode === 'drop' || ip === '') return '';
  if (mode === 'keep') return ip;
  return truncateIp(ip);
}

/**
 * The IP a row stores and its keyed hash, both of what the mode keeps. A hash of the whole address next to
 * its /24 would give the address back to whoever holds the key in 256 tries, so truncate hashes the
 * truncated address and drop stores neither.
 */
export function storedIp(ip: string, mode: IpMode, hasher: Hasher): { ip: string; iphash: string } {
  const kept = applyIpMode(ip, mode);
  return { ip: kept, iphash: kept === '' ? '' : hasher.hash('ip', kept) };
}

/**
 * The address a GeoIP lookup is given: never more than `truncate` stores, so the place a row names (city,
 * zip, coordinates) is no finer than its stored address gives anyone with the same GeoIP file. In `drop`
 * mode the truncated address too, and only its country is kept (`geoBeyondCountry`).
 */
export function geoIpAddress(ip: string, mode: IpMode): string {
  return mode === 'keep' ? ip : truncateIp(ip);
}

/** A row that keeps no IP keeps no place finer than a country either (region, city, zip, coordinates). */
export const geoBeyondCountry = (mode: IpMode): boolean => mode !== 'drop';

/** The first group of a 6to4 address (2002::/16), whose next 32 bits are the sender's IPv4 address. */
const SIX_TO_FOUR = 0x2002;

/**
 * Zero the host part: IPv4 to /24, IPv6 to /48. IPv4-mapped IPv6 is treated as IPv4. Non-IPs → ''.
 * A 6to4 address's /48 is 2002: and a whole IPv4 address, so its IPv4 is cut to /24 as well. (Other
 * forms that carry an IPv4 address carry it below the /48: NAT64, Teredo's client, ISATAP.)
 */
export function truncateIp(ip: string): string {
  const v4 = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const kind = isIP(v4);
  if (kind === 4) return `${v4.split('.').slice(0, 3).join('.')}.0`;
  if (kind !== 6) return '';
  const [a = 0, b = 0, c = 0] = expandV6(v4);
  return compressV6([a, b, a === SIX_TO_FOUR ? c & 0xff00 : c, 0, 0, 0, 0, 0]);
}

export function expandV6(ip: string): number[] {
  const [head = '', tail = ''] = ip.split('::');
  const parse = (s: string) => (s === '' ? [] : s.split(':'));
  let h = parse(head);
  let t = parse(ip.includes('::') ? tail : '');
  // an embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups
  const lift = (parts: string[]) =>
    parts.flatMap((p) => {
      if (!p.includes('.')) return [p];
      const [a = 0, b = 0, c = 0, d = 0] = p.split('.').map(Number);
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    });
  h = lift(h);
  t = lift(t);
  const zeros = ip.includes('::') ? new Array(8 - h.length - t.length).fill('0') : [];
  return [...h, ...zeros, ...t].map((g) => Number.parseInt(g, 16));
}

function compressV6(groups: number[]): string {
  // the truncated form always ends in zeros: print the kept prefix, then '::'
  let last = groups.length;
  while (last > 0 && groups[last - 1] === 0) last--;
  if (last === groups.length) return groups.map((g) => g.toString(16)).join(':');
  return `${groups
    .slice(0, last)
    .map((g) => g.toString(16))
    .join(':')}::`;
}
