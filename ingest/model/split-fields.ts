// The first step of normalising an event: every input key routed to where it goes, by the key alone (a
// hashed identifier in params, a typed column, the match inputs kept in memory, the client time, or params
// as sent). Each key's route is memoised, since the events of a batch repeat their keys. Called once per
// event from normalise.ts.
import { normalisePii } from '../privacy/hash.ts';
import { coerce } from './coerce.ts';
import {
  ALIASES,
  CLIENT_TIME_KEYS,
  EVENT_FIELDS,
  type FieldKind,
  MATCH_INPUTS,
  NEVER_IN_PARAMS,
  PII_HASHES,
} from './fields.ts';
import { tryParseJson } from './json-text.ts';
import { parseClientTime } from './time.ts';
import type { EventDeps } from './types.ts';

export type Obj = Record<string, unknown>;
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

export interface Split {
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
export function splitFields(raw: Obj, deps: EventDeps): Split {
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
