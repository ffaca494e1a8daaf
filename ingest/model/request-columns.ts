// What a request gives every event it carries, derived from the request alone: the server columns (host
// hash, stored IP, IP hash, browser hash), the cookieless visitor id and the GeoIP lookup. Each is
// computed once per request, and the first two are remembered per network identity (host, IP, user
// agent) for the last REQUEST_MEMO_ENTRIES identities: a visitor sends many requests from one address
// and one browser, and recomputing them cost more than the rest of a small event. Only what the keyed
// hasher already remembers is kept (the IP and the cookieless id), never an event's contents.
import { LRUCache } from 'lru-cache';
import type { GeoInfo } from '../geoip/geoip.ts';
import { LRU_CALL } from '../lru.ts';
import { fnv1a36 } from '../privacy/hash.ts';
import { geoIpAddress, storedIp } from '../privacy/ip.ts';
import { DAY_MS, unrefTimer } from '../privacy/salts.ts';
import { uuidFromBytes } from './ids.ts';
import type { EventDeps, RequestContext } from './types.ts';

export const REQUEST_MEMO_ENTRIES = 4096;

/** The columns every event of a request shares (besides ja4h, which depends on the whole header list). */
export interface ServerColumns {
  readonly hhash: string;
  readonly ip: string;
  readonly iphash: string;
  readonly bhash?: string;
}

interface Memo {
  readonly server: LRUCache<string, ServerColumns>;
  /** Cookieless ids under the salt of `day`; emptied when the day (and so the salt) changes. */
  readonly vids: LRUCache<string, string>;
  day: number;
  saltHex: string;
}

// One memo per set of dependencies: the hash key, the IP mode and the salt store all shape the results.
const memos = new WeakMap<EventDeps, Memo>();

function memoOf(deps: EventDeps): Memo {
  let memo = memos.get(deps);
  if (memo === undefined) {
    memo = {
      server: new LRUCache({ max: REQUEST_MEMO_ENTRIES }),
      vids: new LRUCache({ max: REQUEST_MEMO_ENTRIES }),
      day: Number.NaN,
      saltHex: '',
    };
    memos.set(deps, memo);
  }
  return memo;
}

/**
 * What a request's events share, found per context first (every event of a batch shares its request's
 * context), by identity second. One entry per request, with its identity built once: the server columns
 * and the cookieless id are both looked up by it. The entry of the last context asked about is kept in
 * one slot, not in a WeakMap keyed by context: a request's events are normalised one after another, so
 * the slot finds them all, and a WeakMap entry per request was work for every young-generation
 * collection. A context that lost the slot (another request's events came in between) builds its
 * identity again and finds its values in the memos, so the answers are the same either way.
 */
interface Derived {
  readonly identity: string;
  server?: ServerColumns;
  vid?: string;
}
let lastContext: RequestContext | undefined;
let lastDerived: Derived | undefined;

function derived(ctx: RequestContext): Derived {
  if (ctx === lastContext && lastDerived !== undefined) return lastDerived;
  const d: Derived = { identity: `${ctx.kind}\0${ctx.host}\0${ctx.ip}\0${ctx.userAgent}` };
  lastContext = ctx;
  lastDerived = d;
  return d;
}

export function serverColumns(ctx: RequestContext, deps: EventDeps): ServerColumns {
  const d = derived(ctx);
  if (d.server !== undefined) return d.server;
  const memo = memoOf(deps);
  let columns = memo.server.get(d.identity, LRU_CALL);
  if (columns === undefined) {
    columns = computeServerColumns(ctx, deps);
    memo.server.set(d.identity, columns, LRU_CALL);
  }
  d.server = columns;
  return columns;
}

function computeServerColumns(ctx: RequestContext, deps: EventDeps): ServerColumns {
  const columns = {
    hhash: ctx.host === '' ? '' : fnv1a36(ctx.host.toLowerCase()),
    ...storedIp(ctx.ip, deps.ipMode, deps.hasher),
  };
  return ctx.kind === 'client' && ctx.userAgent !== ''
    ? { ...columns, bhash: fnv1a36(ctx.userAgent.toLowerCase()) }
    : columns;
}

/**
 * HMAC(daily salt, site, IP, user agent) as a UUID: synchronous once the day's salt is known (a salt store
 * may have to fetch it, e.g. from NATS KV, on the first request of a day).
 */
export function cookielessVid(ctx: RequestContext, deps: EventDeps): string | Promise<string> {
  const memo = memoOf(deps);
  const day = Math.floor(ctx.now / DAY_MS);
  if (day === memo.day) return vidUnderSalt(memo, ctx, deps);
  return deps.salts.forDay(ctx.now).then((salt) => {
    const hex = salt.toString('hex');
    if (hex !== memo.saltHex) memo.vids.clear();
    if (memo.day !== day) unrefTimer(() => forgetDay(memo, day), DAY_MS - (ctx.now % DAY_MS));
    memo.day = day;
    memo.saltHex = hex;
    return vidUnderSalt(memo, ctx, deps);
  });
}

/**
 * At the end of its day, the day's salt and the ids made with it leave the memo even when no request
 * comes to replace them: kept, they would say which address and browser a past day's visitor id was.
 */
function forgetDay(memo: Memo, day: number): void {
  if (memo.day !== day) return;
  memo.vids.clear();
  memo.saltHex = '';
  memo.day = Number.NaN;
  lastContext = undefined;
  lastDerived = undefined;
}

function vidUnderSalt(memo: Memo, ctx: RequestContext, deps: EventDeps): string {
  const d = derived(ctx);
  if (d.vid !== undefined) return d.vid;
  let vid = memo.vids.get(d.identity, LRU_CALL);
  if (vid === undefined) {
    vid = uuidFromBytes(deps.hasher.bytes('cookieless', memo.saltHex, ctx.host, ctx.ip, ctx.userAgent));
    memo.vids.set(d.identity, vid, LRU_CALL);
  }
  d.vid = vid;
  return vid;
}

const geoOf = new WeakMap<RequestContext, Promise<GeoInfo | undefined>>();

/**
 * The request's GeoIP lookup (one per request, shared by its events) of no more of the address than the
 * IP mode stores; undefined at once without GeoIP.
 */
export function geoLookup(ctx: RequestContext, deps: EventDeps): Promise<GeoInfo | undefined> | undefined {
  if (!deps.geo.enabled || ctx.ip === '') return undefined;
  let geo = geoOf.get(ctx);
  if (geo === undefined) {
    geo = deps.geo.lookup(geoIpAddress(ctx.ip, deps.ipMode));
    geoOf.set(ctx, geo);
  }
  return geo;
}
