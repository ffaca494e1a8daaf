// Privacy routes: agree (agree.ts), jurisdictions, GeoIP lookup, erase-by-visitor (forget.ts).
import { isIP } from 'node:net';
import Type from 'typebox';
import type { AppDeps } from '../../deps.ts';
import { IngestError } from '../../errors.ts';
import type { GeoInfo, IpRange } from '../../geoip/geoip.ts';
import type { Metrics } from '../../plugins/metrics.ts';
import { clientIp } from '../../plugins/request-context.ts';
import type { Tracking } from '../../tracking.ts';
import type { AuthGuards, RouteApp } from '../shared.ts';
import { agreeRoutes } from './agree.ts';
import { forgetRoutes } from './forget.ts';

const GeoQuery = Type.Object({ ip: Type.Optional(Type.String({ maxLength: 64 })) });

/**
 * The Go tracker's fields: ips/ipe the first and last address of the file's range (decimal strings, as
 * in the IP2Location CSV rows it loaded; IPv4 numbers for an IPv4, IPv4-mapped, 6to4 or Teredo address),
 * iso2 the country code, country its name.
 */
function goTrackerGeoFields(ip: string, g: GeoInfo, r: IpRange | undefined): Record<string, unknown> {
  const range = { ips: r?.start.toString(), ipe: r?.end.toString() };
  const fields = { iso2: g.country, country: g.countryName, region: g.region, city: g.city };
  const rest = { lat: g.lat, lon: g.lon, zip: g.zip, tz: g.tz };
  const all = { ip, ...range, ...fields, ...rest };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
}

/** Named as the query key when it was sent; without one the address is the client's, not a key of the request. */
function notAnIp(fromClient: boolean): string {
  return fromClient ? "the client's address is not an IP address" : 'querystring.ip: is not an IP address';
}

export function ppiRoutes(
  app: RouteApp,
  deps: AppDeps,
  tracking: Tracking,
  { limit, guards }: { readonly limit: object; readonly guards: AuthGuards },
  metrics: Pick<Metrics, 'erasures' | 'rateLimited'>,
): void {
  agreeRoutes(app, deps, tracking, limit);
  forgetRoutes(app, deps, tracking, { limit, guards }, metrics);

  app.get('/tr/v1/ppi/jds', { ...limit }, async () => deps.repositories.jurisdictions.all());

  app.get('/tr/v1/ppi/geoip', { schema: { querystring: GeoQuery }, ...limit }, async (req) => {
    const ip = req.query.ip ?? clientIp(req);
    if (isIP(ip) === 0) throw new IngestError('BAD_REQUEST', notAnIp(req.query.ip === undefined));
    if (!deps.geo.enabled) throw new IngestError('NOT_CONFIGURED', 'GeoIP is not configured: set geoip.file');
    const [info, range] = await Promise.all([deps.geo.lookup(ip), deps.geo.range(ip)]);
    if (info === undefined) throw new IngestError('NOT_FOUND', 'no GeoIP data for this address');
    return goTrackerGeoFields(ip, info, range);
  });
}
