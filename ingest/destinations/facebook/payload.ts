// A stored `events` row → one Conversions API server event. Nothing here reaches the network; the
// sender posts what `requestBody` returns.
//   event_name        ename mapped by destination.eventNames (page_view → PageView), else the ename
//   event_time        created_at in Unix seconds          event_id  the eid (Facebook's dedup key)
//   action_source     params.action_source when valid, else the destination's
//   event_source_url  url        referrer_url  referrer
//   user_data         em, ph, fbp, fbc, client_user_agent from the ad_match column (captured at ingest,
//                     only with consent); ct, st, zp, country, external_id (uid, else vid) hashed here;
//                     client_ip_address as stored (after privacy.ipMode); fbc built from fbclid when
//                     no _fbc cookie came: fb.1.<event time in ms>.<fbclid>
//   custom_data       the destination's customData keys of params
import {
  ACTION_SOURCES as actionSources,
  type FacebookDestination,
} from '../../../common/config/destinations.ts';
import type { StoredEvent } from '../contract.ts';
import { eventTimeMs } from '../select.ts';
import { hashUserData } from './user-data.ts';

export type ServerEvent = Record<string, unknown>;
type Obj = Record<string, unknown>;

const ACTION_SOURCES = new Set(actionSources);
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
/** Facebook refuses a whole request when one event_time is more than seven days old. */
export const MAX_EVENT_AGE_MS = 7 * 86_400_000;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
/** An id that names someone: a server event without a visitor is stored with the zero vid. */
const known = (id: string): boolean => id !== '' && id !== NIL_UUID;

function userData(row: StoredEvent, atMs: number): Obj {
  const match = isObj(row.ad_match) ? row.ad_match : {};
  const country = text(row.country);
  const uid = text(row.uid);
  const out: Obj = {
    em: text(match.em) || undefined,
    ph: text(match.ph) || undefined,
    ct: hashUserData('ct', row.city),
    st: hashUserData('st', row.region, country),
    zp: hashUserData('zp', row.zip, country),
    country: hashUserData('country', country),
    external_id: hashUserData('external_id', known(uid) ? uid : known(text(row.vid)) ? row.vid : undefined),
    client_ip_address: text(row.ip) || undefined,
    client_user_agent: text(match.ua) || undefined,
    fbp: text(match.fbp) || undefined,
    fbc: text(match.fbc) || (text(row.fbclid) ? `fb.1.${atMs}.${text(row.fbclid)}` : undefined),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

function customData(params: Obj, keys: readonly string[]): Obj | undefined {
  const out = Object.fromEntries(keys.filter((k) => params[k] !== undefined).map((k) => [k, params[k]]));
  return Object.keys(out).length > 0 ? out : undefined;
}

export function serverEvent(row: StoredEvent, d: FacebookDestination): ServerEvent {
  const atMs = eventTimeMs(row);
  const params = isObj(row.params) ? row.params : {};
  const ename = text(row.ename) || text(row.etyp) || 'event';
  const source = text(params.action_source);
  const event: ServerEvent = {
    event_name: d.eventNames[ename] ?? ename,
    event_time: Math.floor(atMs / 1000),
    event_id: row.eid,
    action_source: ACTION_SOURCES.has(source) ? source : d.actionSource,
    user_data: userData(row, atMs),
  };
  if (text(row.url) !== '') event.event_source_url = row.url;
  if (text(row.referrer) !== '') event.referrer_url = row.referrer;
  const custom = customData(params, d.customData);
  if (custom !== undefined) event.custom_data = custom;
  return event;
}

/** The request body: up to 1000 events, and the test code that routes them to Test Events. */
export function requestBody(rows: readonly StoredEvent[], d: FacebookDestination): string {
  const body: Obj = { data: rows.map((r) => serverEvent(r, d)) };
  if (d.testEventCode !== undefined) body.test_event_code = d.testEventCode;
  return JSON.stringify(body);
}
