// Assemble the raw input of one event from a request: the `User` header (JSON), cookies, path pairs, query
// string and body, later sources overriding earlier ones. Path pairs start *after* the route segment (the
// route's own name is not an event value), cflags from any source counts, the `user` cookie is read, and
// nothing is lower-cased here: normalisation decides per field.
import type { FastifyRequest } from 'fastify';
import { tryParseJson } from './json-text.ts';
import { requestCookies } from './request-cookies.ts';

export type Raw = Record<string, unknown>;
const MAX_KEYS = 256;
const isObj = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function parseJsonObject(text: string | undefined): Raw {
  if (text === undefined || text === '') return {};
  const v = tryParseJson(text);
  return isObj(v) ? v : {};
}

/** `/vid/X/ename/Y` → {vid: X, ename: Y}; a trailing key without a value is ignored. */
export function pathPairs(rest: string | undefined): Raw {
  const out: Raw = {};
  const parts = (rest ?? '').split('/').filter((p) => p !== '');
  for (let i = 0; i + 1 < parts.length && i < MAX_KEYS * 2; i += 2) {
    const key = safeDecode(parts[i] ?? '');
    if (key !== '' && key !== '__proto__') out[key] = safeDecode(parts[i + 1] ?? '');
  }
  return out;
}

/** Query keys: `utm_` prefix stripped, first value wins; `igqp` present → all query keys ignored. */
export function queryInput(query: unknown): Raw {
  if (!isObj(query) || 'igqp' in query) return {};
  const out: Raw = {};
  for (const [k, v] of Object.entries(query).slice(0, MAX_KEYS)) {
    const key = k.toLowerCase().startsWith('utm_') ? k.slice(4) : k;
    const value = Array.isArray(v) ? v[0] : v;
    if (key !== '' && key !== '__proto__' && value !== undefined) out[key] = value;
  }
  return out;
}

function cookieInput(cookies: Record<string, string | undefined> | undefined): Raw {
  if (cookies === undefined) return {};
  const out: Raw = { ...parseJsonObject(cookies.user) };
  for (const name of ['vid', 'sid', 'ehash'] as const)
    if (cookies[name] !== undefined) out[name] = cookies[name];
  // Facebook's browser and click ids: kept only as match keys (the ad_match column), only with consent
  if (cookies._fbp !== undefined) out._fbp = cookies._fbp;
  if (cookies._fbc !== undefined) out._fbc = cookies._fbc;
  const consent = cookies.CookieConsent;
  if (consent !== undefined && /^\d{1,18}$/.test(consent)) out.cflags = Number(consent);
  return out;
}

function headerInput(req: FastifyRequest): Raw {
  const user = req.headers.user;
  return parseJsonObject(Array.isArray(user) ? user[0] : user);
}

/** Everything but the body: used on its own for GET and as the base under each body event. */
export function requestInput(req: FastifyRequest, rest?: string): Raw {
  return {
    ...headerInput(req),
    ...cookieInput(requestCookies(req)),
    // most requests have neither: their empty parts are not made to be spread
    ...(rest === undefined || rest === '' ? undefined : pathPairs(rest)),
    ...(isEmpty(req.query) ? undefined : queryInput(req.query)),
  };
}

function isEmpty(query: unknown): boolean {
  if (!isObj(query)) return true;
  for (const _ in query) return false;
  return true;
}

/** Body events: one object, or an array of objects (the batch form). Anything else is not an event. */
export function bodyEvents(body: unknown): Raw[] | undefined {
  if (body === undefined || body === null || body === '') return [{}];
  if (isObj(body)) return [body];
  if (Array.isArray(body) && body.every(isObj)) return body;
  return undefined;
}

/**
 * Each body event over the request's own input (the event's keys win). Without any request input (most
 * server and WebSocket requests) the events are taken as they are: a copy of each would change nothing.
 */
export function overBase(base: Raw, events: Raw[]): Raw[] {
  for (const _ in base) return events.map((e) => ({ ...base, ...e }));
  return events;
}
