// Consent records: POST writes one `agreed` row (history; `agreements` keeps the latest per visitor
// through a view), GET returns the latest consent of a visitor. IP handling follows the configured mode
// like every other table; the country falls back to time zone then GeoIP, as for events.
// GET answers from what was accepted, not only from what was flushed: a consent POSTed a moment ago is
// still in its batch, so the answer comes from a bounded cache of the consents this process accepted,
// then from the store. It returns only what a visitor needs (the consent), never the row's IP, IP hash
// or user agent: the route is unauthenticated and a visitor id is not a secret.
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { AppDeps } from '../../deps.ts';
import { IngestError } from '../../errors.ts';
import { growingLru } from '../../lru.ts';
import { coerce } from '../../model/coerce.ts';
import { CLIENT_TIME_KEYS, EVENT_FIELDS } from '../../model/fields.ts';
import { asUuid, newId } from '../../model/ids.ts';
import { requestCookies } from '../../model/request-cookies.ts';
import { chTime, parseClientTime, withinSkew } from '../../model/time.ts';
import { TZ_COUNTRY } from '../../model/tz-country.gen.ts';
import { createUserAgentParser, type UserAgentParser } from '../../model/user-agent.ts';
import { clientIp, hostOf, siteRequest } from '../../plugins/request-context.ts';
import { strictValidator } from '../../plugins/strict-body.ts';
import { grantedNames, hasConsent } from '../../privacy/consent.ts';
import { fnv1a36 } from '../../privacy/hash.ts';
import { geoBeyondCountry, geoIpAddress, storedIp } from '../../privacy/ip.ts';
import { redactUrlColumns } from '../../privacy/url-redact.ts';
import { visitorToken } from '../../privacy/visitor-token.ts';
import type { Tracking } from '../../tracking.ts';
import { PERSONAL, type RouteApp, setVisitorCookie } from '../shared.ts';

const AGREED_FIELDS = [
  'sid',
  'uid',
  'app',
  'rel',
  'url',
  'gaid',
  'idfa',
  'msid',
  'fbid',
  'country',
  'region',
  'culture',
  'source',
  'medium',
  'campaign',
  'term',
  'ref',
  'rcode',
  'aff',
  'device',
  'os',
  'tz',
  'lat',
  'lon',
  'zip',
  'org',
  'oid',
  'vp_w',
  'vp_h',
] as const;
const EXTRA_UUIDS = ['avid', 'owner'] as const;

const AgreeBody = Type.Object(
  { cflags: Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^\\d{1,18}$' })]) },
  { additionalProperties: true, maxProperties: 128 },
);
const AgreeQuery = Type.Object({ vid: Type.String({ maxLength: 64 }) });
/** Consents remembered for read-your-write: far more than can be in flight in the agreed batches. */
const RECENT_CONSENTS = 100_000;

/** The consent a visitor may read back. */
interface Consent {
  readonly vid: string;
  readonly cflags: number;
  readonly granted: readonly string[];
  readonly updated_at: string;
}

/**
 * The visitor the body names: none (absent, null or "") or a UUID. Any other value was once passed over
 * for the cookie's or a new id, and the consent answered 200 was recorded for a visitor nobody asked about.
 */
function bodyVid(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const vid = asUuid(value);
  if (vid === undefined) throw new IngestError('BAD_REQUEST', 'body.vid: must be a UUID');
  return vid;
}

/**
 * A consent naming a site key (`site_key`, or the X-Site-Key header) belongs to the key's org, as the
 * events sent with that key do, and an unknown key is refused the same way; one naming none stays open to
 * anyone (a consent is not tracking: a visitor may always record a decision).
 */
function siteBound(body: Record<string, unknown>, req: FastifyRequest, tracking: Tracking) {
  const site = siteRequest(req);
  if (typeof body.site_key !== 'string' && site.headerKey === undefined) return body;
  return tracking.bindSite([body], site)[0] ?? body;
}

/** The consent's place, from no more of the address than the IP mode stores (as an event's). */
async function geoFill(row: Record<string, unknown>, ip: string, deps: AppDeps): Promise<void> {
  const { ipMode } = deps.config.privacy;
  if (row.country === undefined && typeof row.tz === 'string')
    row.country = TZ_COUNTRY[row.tz.toLowerCase()] || undefined;
  const beyond = geoBeyondCountry(ipMode);
  if ((row.country !== undefined && (row.region !== undefined || !beyond)) || ip === '') return;
  const geo = await deps.geo.lookup(geoIpAddress(ip, ipMode));
  if (geo === undefined) return;
  row.country ??= geo.country;
  if (!beyond) return;
  row.region ??= geo.region;
  row.zip ??= geo.zip;
  if (row.lat === undefined && row.lon === undefined && (geo.lat || geo.lon)) {
    row.lat = geo.lat;
    row.lon = geo.lon;
  }
}

/**
 * When the visitor decided: the client's time (`time`, `created_at`, `created` or `ts`, as for events) when
 * within the configured skew of the server's, else the server's. A decision queued in the browser while the
 * ingest was down arrives late, and its record must still say when it was made; a client clock too far off
 * cannot move it, as it cannot move an event.
 */
function decidedAt(body: Record<string, unknown>, nowMs: number, skewMs: number): number {
  let sent: number | undefined;
  for (const k of CLIENT_TIME_KEYS) sent ??= parseClientTime(body[k]);
  return withinSkew(sent, nowMs, skewMs) ?? nowMs;
}

async function agreedRow(
  req: FastifyRequest,
  body: Record<string, unknown>,
  deps: AppDeps,
  base: { vid: string; cflags: number; decided: string; at: string },
  userAgent: UserAgentParser,
): Promise<Record<string, unknown>> {
  const { privacy } = deps.config;
  const ip = clientIp(req);
  const ua = (req.headers['user-agent'] ?? '').slice(0, 1024);
  const compliances =
    typeof body.compliances === 'object' && body.compliances !== null ? body.compliances : undefined;
  const row: Record<string, unknown> = {
    vid: base.vid,
    cflags: base.cflags,
    // created_at is the decision, updated_at its arrival: the latest per visitor is the latest to arrive
    created_at: base.decided,
    updated_at: base.at,
    compliances: compliances ?? { granted: grantedNames(base.cflags, privacy.consentBits) },
    hhash: fnv1a36(hostOf(req)),
    ...storedIp(ip, privacy.ipMode, deps.hasher),
    // the browser's name, as events store it: the raw user agent is a fingerprint, kept only as bhash
    browser: userAgent(ua)?.browser ?? '',
    bhash: ua === '' ? '' : fnv1a36(ua.toLowerCase()),
  };
  for (const k of AGREED_FIELDS) {
    const kind = EVENT_FIELDS[k];
    const v = kind === undefined ? undefined : coerce(kind, body[k]);
    if (v !== undefined) row[k] = v;
  }
  redactUrlColumns(row, ['url']);
  for (const k of EXTRA_UUIDS) if (asUuid(body[k]) !== undefined) row[k] = asUuid(body[k]);
  await geoFill(row, ip, deps);
  return row;
}

export function agreeRoutes(app: RouteApp, deps: AppDeps, tracking: Tracking, limit: object) {
  const now = deps.now ?? Date.now;
  const { privacy } = deps.config;
  const accepted = growingLru<string, Consent>({ max: RECENT_CONSENTS });
  const userAgent = createUserAgentParser(deps.config.userAgent);
  app.post(
    '/tr/v1/ppi/agree',
    { schema: { body: AgreeBody }, validatorCompiler: strictValidator, ...limit },
    async (req, reply) => {
      const body = siteBound(req.body, req, tracking);
      const cflags = Number(body.cflags);
      const given = bodyVid(body.vid) ?? asUuid(requestCookies(req).vid);
      const vid = given ?? newId();
      const nowMs = now();
      const at = chTime(nowMs);
      const decided = chTime(decidedAt(body, nowMs, privacy.clockSkewMs));
      const base = { vid, cflags, decided, at };
      await tracking.append('agreed', [await agreedRow(req, body, deps, base, userAgent)]);
      const consent = { vid, cflags, granted: grantedNames(cflags, privacy.consentBits), updated_at: at };
      accepted.set(vid, consent);
      const cookies = hasConsent(cflags, privacy.consentBits, privacy.analyticsBit);
      // a token only for an id generated here: nobody can obtain one for an id they merely know
      const token = given === undefined ? visitorToken(deps.hasher, vid) : undefined;
      setVisitorCookie(reply, deps.config, { vid, cookies, ...(token === undefined ? {} : { token }) });
      return reply.send({ ...consent, ...(token === undefined ? {} : { token }) });
    },
  );

  app.get('/tr/v1/ppi/agree', { schema: { querystring: AgreeQuery }, ...limit }, async (req, reply) => {
    // a cached answer would outlive a withdrawal
    reply.header('cache-control', PERSONAL);
    const vid = asUuid(req.query.vid);
    if (vid === undefined) throw new IngestError('BAD_REQUEST', 'querystring.vid: must be a UUID');
    const stored = await deps.repositories.consent.latest(vid);
    const recent = accepted.get(vid);
    if (recent !== undefined && (stored === undefined || recent.updated_at >= stored.updated_at))
      return recent;
    if (stored === undefined) throw new IngestError('NOT_FOUND', 'no consent recorded for this visitor');
    const { cflags, updated_at } = stored;
    return { vid, cflags, granted: grantedNames(cflags, privacy.consentBits), updated_at };
  });
}
