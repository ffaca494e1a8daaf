// Options: defaults stated once, and validation that names every bad or unknown key at once (a typo such
// as `click: true` would otherwise be silently ignored).
import { type Bits, DEFAULT_BITS, toFlags } from './consent.ts';
import type { Ev } from './queue.ts';
import type { TrackerOptions } from './types.ts';

export interface Resolved {
  readonly endpoint: string;
  readonly site: Readonly<Record<string, string>>;
  readonly transport: 'http' | 'websocket';
  readonly pageviews: boolean;
  readonly clicks: boolean;
  readonly outbound: boolean;
  readonly consentBits: Bits;
  readonly analyticsBit: number;
  readonly consent: number;
  readonly respectDnt: boolean;
  readonly credentials: boolean;
  readonly batchSize: number;
  readonly flushMs: number;
  readonly maxQueue: number;
  readonly retryMs: number;
  readonly retryMaxMs: number;
  readonly sessionMs: number;
  readonly onDrop: (event: Ev, error: string, message?: string) => void;
}

const NUMBERS = {
  batchSize: 20,
  flushMs: 1000,
  maxQueue: 500,
  retryMs: 1000,
  retryMaxMs: 30_000,
  sessionMs: 30 * 60_000,
} as const;
const FLAGS = { pageviews: true, clicks: false, outbound: false, respectDnt: false, credentials: false };
/** Site identity options and the event field each is sent as. */
const SITE = { oid: 'oid', org: 'org', app: 'app', rel: 'rel', siteKey: 'site_key' } as const;
const OTHER = ['endpoint', 'transport', 'consentBits', 'analyticsBit', 'consent', 'onDrop'];
const KNOWN = new Set<string>([
  ...Object.keys(NUMBERS),
  ...Object.keys(FLAGS),
  ...Object.keys(SITE),
  ...OTHER,
]);

// The client adds /tr/v1/… itself: an endpoint that names it already sent every batch to
// /tr/v1/tr/v1/tr/, which the ingest read as path pairs (a "v1" property) and stored without complaint.
const API_PATH = /\/tr\/v1(\/|$)/;

function endpointOf(v: unknown, problems: string[]): string {
  if (typeof v !== 'string' || !/^https?:\/\/[^/?#]+/.test(v))
    problems.push('endpoint: must be an http(s) URL');
  else if (API_PATH.test(v))
    problems.push(`endpoint: the ingest's base URL, without /tr/v1 (the client adds its paths): ${v}`);
  else return v.replace(/\/+$/, '');
  return '';
}

function consentOf(o: TrackerOptions, bits: Bits, problems: string[]): number {
  try {
    return toFlags(o.consent ?? 0, bits);
  } catch (e) {
    problems.push((e as Error).message);
    return 0;
  }
}

export function resolveOptions(o: TrackerOptions): Resolved {
  const problems = Object.keys(o)
    .filter((k) => !KNOWN.has(k))
    .map((k) => `${k}: unknown option`);
  const pick = <T>(key: string, dflt: T, ok: (v: unknown) => boolean, what: string): T => {
    const v = (o as unknown as Record<string, unknown>)[key];
    if (v === undefined) return dflt;
    if (!ok(v)) problems.push(`${key}: must be ${what}`);
    return v as T;
  };
  const bits = pick('consentBits', DEFAULT_BITS, (v) => typeof v === 'object' && v !== null, 'an object');
  const analytics = pick('analyticsBit', 'analytics', (v) => typeof v === 'string', 'a string');
  if (bits[analytics] === undefined) problems.push(`analyticsBit: "${analytics}" is not in consentBits`);
  const r = {
    endpoint: endpointOf(o.endpoint, problems),
    site: Object.fromEntries(
      Object.entries(SITE).flatMap(([k, field]) =>
        o[k as keyof typeof SITE] ? [[field, pick(k, '', isString, 'a string')]] : [],
      ),
    ),
    transport: pick('transport', 'http', (v) => v === 'http' || v === 'websocket', '"http" or "websocket"'),
    consentBits: bits,
    analyticsBit: bits[analytics] ?? 1,
    consent: consentOf(o, bits, problems),
    onDrop: pick('onDrop', warnDrop, (v) => typeof v === 'function', 'a function'),
    ...mapValues(FLAGS, (k, d) => pick(k, d, (v) => typeof v === 'boolean', 'true or false')),
    ...mapValues(NUMBERS, (k, d) => pick(k, d, isPositiveInt, 'a positive integer')),
  };
  // the ingest's oid column is a UUID: any other site id was kept aside in the event's params, and the
  // site's events counted as the all-zero site on the dashboard
  if (isString(r.site.oid) && !UUID.test(r.site.oid as string)) problems.push('oid: must be a UUID');
  if (problems.length > 0) throw new TypeError(`tracker options: ${problems.join('; ')}`);
  return r as Resolved;
}

const isString = (v: unknown) => typeof v === 'string';
const UUID = /^[\da-f]{8}(-[\da-f]{4}){3}-[\da-f]{12}$/i;
const isPositiveInt = (v: unknown) => Number.isSafeInteger(v) && (v as number) > 0;

function mapValues<T extends Record<string, unknown>>(
  obj: T,
  fn: (key: string, dflt: T[keyof T]) => unknown,
): { [K in keyof T]: T[K] } {
  return Object.fromEntries(Object.entries(obj).map(([k, d]) => [k, fn(k, d as T[keyof T])])) as T;
}

/** The default onDrop: the code alone does not say what to fix (which key, which field), the message does. */
function warnDrop(event: Ev, error: string, message?: string): void {
  const why = message === undefined ? '' : ` (${message})`;
  console.warn(`tracker: event ${String(event.eid)} (${String(event.ename)}) dropped: ${error}${why}`);
}
