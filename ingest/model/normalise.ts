// Event normalisation: raw input map (path pairs, query, body, cookies, WS message) + request context → one
// `events` row. Order matters: ids are decided first, then every later step (cookie, messaging rows, NATS)
// uses the same ids. The steps live beside it: split-fields.ts (input keys to columns and params),
// event-ids.ts (the ids), derived-columns.ts (columns filled from the page URL, headers and GeoIP).
import type { Row } from '../../store/index.ts';
import type { GeoInfo } from '../geoip/geoip.ts';
import { redactUrlColumns, URL_COLUMNS, URL_PARAMS } from '../privacy/url-redact.ts';
import { visitorToken } from '../privacy/visitor-token.ts';
import {
  contentAsEname,
  culture,
  fromPageUrl,
  geoFill,
  needsGeo,
  ownPage,
  userAgentColumns,
} from './derived-columns.ts';
import { decideIds, type Ids } from './event-ids.ts';
import { asUuid } from './ids.ts';
import { geoLookup, serverColumns } from './request-columns.ts';
import { type Obj, type Split, splitFields } from './split-fields.ts';
import { chTime, withinSkew } from './time.ts';
import type { EventDeps, RequestContext } from './types.ts';

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
