// Event normalisation: raw input map (path pairs, query, body, cookies, WS message) + request context → one
// `events` row. Order matters: ids are decided first, then every later step (cookie, messaging rows, NATS)
// uses the same ids.
import type { Row } from '../../store/index.ts';
import type { GeoInfo } from '../geoip/geoip.ts';
import { hasConsent } from '../privacy/consent.ts';
import { normalisePii } from '../privacy/hash.ts';
import { geoBeyondCountry, type IpMode } from '../privacy/ip.ts';
import { redactUrlColumns, URL_COLUMNS, URL_PARAMS } from '../privacy/url-redact.ts';
import { visitorToken } from '../privacy/visitor-token.ts';
import { coerce } from './coerce.ts';
import {
  ALIASES,
  CLIENT_TIME_KEYS,
  EVENT_FIELDS,
  type FieldKind,
  FROM_PAGE_URL,
  MATCH_INPUTS,
  NEVER_IN_PARAMS,
  PII_HASHES,
} from './fields.ts';
import { asUuid, newId, ZERO_UUID } from './ids.ts';
import { tryParseJson } from './json-text.ts';
import { cookielessVid, geoLookup, serverColumns } from './request-columns.ts';
import { chTime, parseClientTime, withinSkew } from './time.ts';
import type { EventDeps, RequestContext } from './types.ts';
import { TZ_COUNTRY } from './tz-country.gen.ts';

export interface NormalisedEvent {
  readonly row: Row;
  readonly eid: string;
  readonly vid: string;
  readonly sid: string;
  /** The eid came from the client (a retry of it must not be stored twice). */
  readonly clientEid: boolean;
  /** A fresh visitor id was generated (no usable vid in the input). */
  readonly newVisitor: boolean;
  /** Analytics consent present: the caller may set the vid cookie. False → cookieless. */
  readonly cookies: boolean;
  /** Proof of this visitor id, when this event's vid was generated here and may be set as a cookie. */
  readonly token?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseParams(v: unknown): Obj {
  if (isObj(v)) return { ...v };
  if (typeof v === 'string') {
    // not JSON (or nested too deep to walk): kept verbatim as a string
    const p = tryParseJson(v);
    return isObj(p) ? p : { params: v };
  }
  return v === undefined ? {} : { params: v };
}

interface Split {
  cols: Obj;
  params: Obj;
  /** Raw inputs of the match keys; kept only in memory (see capture in normaliseEvent). */
  match: Obj;
  clientTime?: number;
}

const isTimeKey = (k: string) => (CLIENT_TIME_KEYS as readonly string[]).includes(k);

/** Where an input key goes, which depends on the key alone. */
interface KeyRoute {
  /** The key lower-cased, through its alias. */
  readonly lk: string;
  readonly match: boolean;
  readonly pii: string | undefined;
  readonly time: boolean;
  readonly kind: FieldKind | undefined;
  /** Kept in params when it fits no column. */
  readonly params: boolean;
}

/** A table's entry for a key the client chose: its own entries only, never Object.prototype's members. */
const ownEntry = <T>(table: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(table, key) ? table[key] : undefined;

function keyRoute(key: string): KeyRoute {
  const lower = key.toLowerCase();
  const lk = ownEntry(ALIASES, lower) ?? lower;
  const time = isTimeKey(lk);
  return {
    lk,
    match: MATCH_INPUTS.has(lk),
    pii: ownEntry(PII_HASHES, lk),
    time,
    kind: ownEntry(EVENT_FIELDS, lk),
    params: !NEVER_IN_PARAMS.has(lk) || time,
  };
}

// The events of a batch repeat their keys, and each key's route took several lookups and a lower-casing
// per event. Keys come from clients, so the memo is bounded: when full it starts again empty.
const ROUTES_MAX = 1024;
const routes = new Map<string, KeyRoute>();

function routeOf(key: string): KeyRoute {
  let route = routes.get(key);
  if (route === undefined) {
    if (routes.size >= ROUTES_MAX) routes.clear();
    route = keyRoute(key);
    routes.set(key, route);
  }
  return route;
}

/** Route one input key: hashed PII, a typed column, or params (lossless, original key and value). */
function routeKey(out: Split, key: string, value: unknown, deps: EventDeps): void {
  const route = routeOf(key);
  const { lk, pii, kind } = route;
  if (route.match) out.match[lk] = value;
  if (pii !== undefined) {
    if (typeof value === 'string' && value.trim() !== '')
      out.params[pii] = deps.hasher.hash(lk, normalisePii(value));
    return;
  }
  if (route.time) out.clientTime ??= parseClientTime(value);
  const coerced = kind === undefined ? undefined : coerce(kind, value);
  if (coerced !== undefined && !(lk in out.cols)) out.cols[lk] = coerced;
  else if (route.params) keep(out.params, key, value);
}

/**
 * A key kept as sent. Assigning "__proto__" would replace the object's prototype (the value lost, its
 * members inherited), so that key is defined as an own property, as JSON.parse defines it.
 */
function keep(params: Obj, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(params, key, { value, enumerable: true, writable: true, configurable: true });
  else params[key] = value;
}

/**
 * An email, phone number or user name inside the event's own `params` object (where the Go tracker's
 * clients post their properties) is hashed like one at the top level, never kept raw; a top-level one wins.
 */
function hashNestedPii(params: Obj, deps: EventDeps): void {
  for (const key of Object.keys(params)) {
    // the same route as a top-level key (aliases included, memoised)
    const { lk, pii } = routeOf(key);
    if (pii === undefined) continue;
    const value = params[key];
    delete params[key];
    if (typeof value === 'string' && value.trim() !== '')
      params[pii] ??= deps.hasher.hash(lk, normalisePii(value));
  }
}

/** Split raw input into typed columns and lossless params. */
function splitFields(raw: Obj, deps: EventDeps): Split {
  const out: Split = { cols: {}, params: parseParams(raw.params), match: {} };
  if (raw.params !== undefined) hashNestedPii(out.params, deps);
  // for-in reads the keys from the object's shape, without an array per event: raw events are plain
  // objects (parsed or spread), whose prototype has nothing enumerable, so these are Object.keys in order
  for (const key in raw) {
    const value = raw[key];
    if (value !== undefined && value !== null && key !== 'params') routeKey(out, key, value, deps);
  }
  return out;
}

/** The Go tracker's tracked-URL generator sends utm_content=<ename>: content becomes ename when ename is absent. */
function contentAsEname(cols: Obj): void {
  if (cols.ename === undefined && typeof cols.content === 'string') {
    cols.ename = cols.content;
    delete cols.content;
  }
}

interface Ids {
  readonly eid: string;
  readonly clientEid: boolean;
  readonly vid: string;
  readonly sid: string;
  readonly newVisitor: boolean;
  readonly cookies: boolean;
}

/**
 * A server event without a vid names no visitor: it keeps the zero vid rather than a fresh random one,
 * which would count every such event as a visitor of its own. Nor does a server event start a session:
 * without a sid it keeps the zero sid. Visitor and session counts leave the zero ids out.
 */
function serverIds(cols: Obj, eid: string, clientEid: boolean): Ids {
  const sid = asUuid(cols.sid) ?? ZERO_UUID;
  return { eid, clientEid, vid: ZERO_UUID, sid, newVisitor: false, cookies: false };
}

/** The event's ids; a promise only while a cookieless id waits for the day's salt. */
function decideIds(cols: Obj, raw: Obj, ctx: RequestContext, deps: EventDeps): Ids | Promise<Ids> {
  const clientEid = asUuid(raw.eid);
  const eid = clientEid ?? newId();
  const cookies =
    ctx.kind === 'client' &&
    hasConsent(cols.cflags as number | undefined, deps.consentBits, deps.analyticsBit);
  // Without analytics consent a client event never uses an id the client keeps (a vid from its cookie or
  // its body, a sid): the visitor is the cookieless hash, whatever the client sent.
  const cookieless = ctx.kind === 'client' && !cookies;
  const given = cookieless ? undefined : asUuid(cols.vid);
  const withVid = (vid: string): Ids => {
    const newVisitor = vid !== given;
    const sid =
      (cookieless ? undefined : asUuid(cols.sid)) ??
      (ctx.kind === 'server' ? ZERO_UUID : newVisitor ? vid : newId());
    return { eid, clientEid: clientEid !== undefined, vid, sid, newVisitor, cookies };
  };
  if (given !== undefined) return withVid(given);
  if (ctx.kind === 'server') return serverIds(cols, eid, clientEid !== undefined);
  if (cookies) return withVid(newId());
  const vid = cookielessVid(ctx, deps);
  return typeof vid === 'string' ? withVid(vid) : vid.then(withVid);
}

function geoFill(cols: Obj, geo: GeoInfo | undefined, ipMode: IpMode): void {
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
function userAgentColumns(cols: Obj, ctx: RequestContext, deps: EventDeps): void {
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
function fromPageUrl(cols: Obj): void {
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

function culture(acceptLanguage: string): string | undefined {
  const first = acceptLanguage.split(',')[0]?.split(';')[0]?.trim();
  return first === undefined || first === '' || first === '*' ? undefined : first.slice(0, 35);
}

/** Whether a GeoIP lookup could fill a column still empty (only the country when the row keeps no IP). */
function needsGeo(cols: Obj, ipMode: IpMode): boolean {
  if (cols.country === undefined) return true;
  return geoBeyondCountry(ipMode) && (cols.region === undefined || cols.city === undefined);
}

/**
 * One raw event as its `events` row. Synchronous unless it must wait (the day's salt of a cookieless id,
 * a GeoIP lookup): a batch's events then take no promise and no turn of the microtask queue each.
 */
export function normaliseEvent(
  raw: Obj,
  ctx: RequestContext,
  deps: EventDeps,
): NormalisedEvent | Promise<NormalisedEvent> {
  const split = splitFields(raw, deps);
  const ids = decideIds(split.cols, raw, ctx, deps);
  return ids instanceof Promise
    ? ids.then((known) => withIds(raw, split, known, ctx, deps))
    : withIds(raw, split, ids, ctx, deps);
}

function withIds(
  raw: Obj,
  split: Split,
  ids: Ids,
  ctx: RequestContext,
  deps: EventDeps,
): NormalisedEvent | Promise<NormalisedEvent> {
  const { cols } = split;
  contentAsEname(cols);
  fromPageUrl(cols);
  userAgentColumns(cols, ctx, deps);
  if (ctx.kind === 'client' && ctx.referer !== undefined && !ownPage(ctx.referer, cols.url))
    cols.referrer ??= ctx.referer;
  redactUrlColumns(cols, URL_COLUMNS);
  redactUrlColumns(split.params, URL_PARAMS);
  if (ctx.kind === 'client' && cols.culture === undefined) cols.culture = culture(ctx.acceptLanguage);
  const geo = needsGeo(cols, deps.ipMode) ? geoLookup(ctx, deps) : undefined;
  return geo === undefined
    ? finish(raw, split, ids, ctx, deps, undefined)
    : geo.then((found) => finish(raw, split, ids, ctx, deps, found));
}

/**
 * Whether a Referer header names the page that sent the event, not a page that referred to it. A page's
 * own request carries its URL without the fragment (a hash router's routes), or only its origin when the
 * ingest is on another one (browsers' default referrer policy); either way the same origin as the url.
 */
function ownPage(referer: string, url: unknown): boolean {
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

function finish(
  raw: Obj,
  { cols, params, match, clientTime }: Split,
  ids: Ids,
  ctx: RequestContext,
  deps: EventDeps,
  geo: GeoInfo | undefined,
): NormalisedEvent {
  geoFill(cols, geo, deps.ipMode);
  // ids that are not UUIDs cannot be the row's ids; kept as sent, like any value that fits no column
  if (typeof raw.vid === 'string' && asUuid(raw.vid) === undefined) params.vid = raw.vid;
  if (raw.eid !== undefined && raw.eid !== null && !ids.clientEid) params.eid = raw.eid;
  const adMatch = deps.matchCapture?.(cols.cflags, { ...match, userAgent: ctx.userAgent });
  const created = withinSkew(clientTime, ctx.now, deps.clockSkewMs) ?? ctx.now;
  const row = rowOf(cols, ctx, deps, ids);
  row.created_at = chTime(created);
  row.received_at = chTime(ctx.now);
  row.params = params;
  if (adMatch !== undefined) row.ad_match = adMatch;
  const token = ids.cookies && ids.newVisitor ? visitorToken(deps.hasher, ids.vid) : undefined;
  const { eid, clientEid, vid, sid, newVisitor, cookies } = ids;
  const event = { row, eid, clientEid, vid, sid, newVisitor, cookies };
  return token === undefined ? event : { ...event, token };
}

/**
 * The columns become the row itself, the request's and the ids after them: the keys and their order are
 * those of a copy ({...cols, hhash, …}; a column the ids replace, vid or sid, keeps its place), without
 * copying every column of every event.
 */
function rowOf(cols: Obj, ctx: RequestContext, deps: EventDeps, ids: Ids): Row {
  const server = serverColumns(ctx, deps);
  const row: Row = cols;
  row.hhash = server.hhash;
  row.ip = server.ip;
  row.iphash = server.iphash;
  if (server.bhash !== undefined) row.bhash = server.bhash;
  row.ja4h = ctx.ja4h;
  row.eid = ids.eid;
  row.client_eid = ids.clientEid;
  row.vid = ids.vid;
  row.sid = ids.sid;
  return row;
}
