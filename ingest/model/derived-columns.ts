// Columns of a normalised event filled from what else it or its request says, when the event did not set
// them itself: ename from a tracked URL's utm_content, UTM parameters and click ids from the page url,
// browser, OS and device from the User-Agent, the referrer (not the page's own URL), the culture from
// Accept-Language, and the country and place from the timezone or GeoIP. Called from normalise.ts.
import type { GeoInfo } from '../geoip/geoip.ts';
import { geoBeyondCountry, type IpMode } from '../privacy/ip.ts';
import { coerce } from './coerce.ts';
import { EVENT_FIELDS, FROM_PAGE_URL } from './fields.ts';
import type { Obj } from './split-fields.ts';
import type { EventDeps, RequestContext } from './types.ts';
import { TZ_COUNTRY } from './tz-country.gen.ts';

/** The Go tracker's tracked-URL generator sends utm_content=<ename>: content becomes ename when ename is absent. */
export function contentAsEname(cols: Obj): void {
  if (cols.ename === undefined && typeof cols.content === 'string') {
    cols.ename = cols.content;
    delete cols.content;
  }
}

export function geoFill(cols: Obj, geo: GeoInfo | undefined, ipMode: IpMode): void {
  // precedence: explicit payload value > timezone → country > GeoIP
  const tzCountry = typeof cols.tz === 'string' ? TZ_COUNTRY[cols.tz.toLowerCase()] : undefined;
  cols.country ??= tzCountry || geo?.country || undefined;
  if (geo === undefined || !geoBeyondCountry(ipMode)) return;
  cols.region ??= geo.region;
  cols.city ??= geo.city;
  cols.zip ??= geo.zip;
  if (cols.lat === undefined && cols.lon === undefined && (geo.lat || geo.lon)) {
    cols.lat = geo.lat;
    cols.lon = geo.lon;
  }
}

/** Parsed user agent: browser and versions always from the header, os and device unless the event says. */
export function userAgentColumns(cols: Obj, ctx: RequestContext, deps: EventDeps): void {
  const ua = ctx.kind === 'client' ? deps.userAgent(ctx.userAgent) : undefined;
  if (ua === undefined) return;
  cols.bot = ua.bot;
  if (ua.browser !== '') cols.browser = ua.browser;
  if (ua.browser_version !== '') cols.browser_version = ua.browser_version;
  if (ua.os !== '') cols.os ??= ua.os;
  if (ua.os_version !== '') cols.os_version ??= ua.os_version;
  if (ua.device !== '') cols.device ??= ua.device;
}

/** UTM parameters and click ids of the page url, for the columns the event did not set itself. */
export function fromPageUrl(cols: Obj): void {
  if (typeof cols.url !== 'string' || !cols.url.includes('?')) return;
  let query: URLSearchParams;
  try {
    query = new URL(cols.url).searchParams;
  } catch {
    return;
  }
  for (const [param, column] of Object.entries(FROM_PAGE_URL)) {
    const value = query.get(param);
    const kind = EVENT_FIELDS[column];
    if (value !== null && value !== '' && cols[column] === undefined && kind !== undefined)
      cols[column] = coerce(kind, value);
  }
}

export function culture(acceptLanguage: string): string | undefined {
  const first = acceptLanguage.split(',')[0]?.split(';')[0]?.trim();
  return first === undefined || first === '' || first === '*' ? undefined : first.slice(0, 35);
}

/** Whether a GeoIP lookup could fill a column still empty (only the country when the row keeps no IP). */
export function needsGeo(cols: Obj, ipMode: IpMode): boolean {
  if (cols.country === undefined) return true;
  return geoBeyondCountry(ipMode) && (cols.region === undefined || cols.city === undefined);
}

/**
 * Whether a Referer header names the page that sent the event, not a page that referred to it. A page's
 * own request carries its URL without the fragment (a hash router's routes), or only its origin when the
 * ingest is on another one (browsers' default referrer policy); either way the same origin as the url.
 */
export function ownPage(referer: string, url: unknown): boolean {
  if (typeof url !== 'string' || url === '') return false;
  const origin = originOf(referer);
  return referer === url || (origin !== '' && origin === originOf(url));
}

/** scheme://host[:port] of an absolute URL, '' when it is not one. */
function originOf(u: string): string {
  const start = u.indexOf('://');
  if (start <= 0) return '';
  const end = u.slice(start + 3).search(/[/?#]/);
  return (end < 0 ? u : u.slice(0, start + 3 + end)).toLowerCase();
}
