// Consent records: POST writes one `agreed` row (history; `agreements` keeps the latest per visitor
// through a view), GET returns the latest record of a visitor. IP handling follows the configured mode like
// every other table.
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { AppDeps } from '../../deps.ts';
import { IngestError } from '../../errors.ts';
import { coerce } from '../../model/coerce.ts';
import { EVENT_FIELDS } from '../../model/fields.ts';
import { asUuid, newId } from '../../model/ids.ts';
import { chTime } from '../../model/time.ts';
import { TZ_COUNTRY } from '../../model/tz-country.gen.ts';
import { clientIp, hostOf } from '../../plugins/request-context.ts';
import { grantedNames, hasConsent } from '../../privacy/consent.ts';
import { fnv1a36 } from '../../privacy/hash.ts';
import { applyIpMode } from '../../privacy/ip.ts';
import type { Tracking } from '../../tracking.ts';
import type { RouteApp } from '../shared.ts';

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

function agreedRow(
  req: FastifyRequest,
  body: Record<string, unknown>,
  deps: AppDeps,
  base: { vid: string; cflags: number; at: string },
): Record<string, unknown> {
  const { privacy } = deps.config;
  const ip = clientIp(req);
  const compliances =
    typeof body.compliances === 'object' && body.compliances !== null ? body.compliances : undefined;
  const row: Record<string, unknown> = {
    vid: base.vid,
    cflags: base.cflags,
    created_at: base.at,
    updated_at: base.at,
    compliances: compliances ?? { granted: grantedNames(base.cflags, privacy.consentBits) },
    hhash: fnv1a36(hostOf(req)),
    ip: applyIpMode(ip, privacy.ipMode),
    iphash: privacy.ipMode === 'drop' || ip === '' ? '' : deps.hasher.hash('ip', ip),
    browser: (req.headers['user-agent'] ?? '').slice(0, 1024),
  };
  for (const k of AGREED_FIELDS) {
    const kind = EVENT_FIELDS[k];
    const v = kind === undefined ? undefined : coerce(kind, body[k]);
    if (v !== undefined) row[k] = v;
  }
  for (const k of EXTRA_UUIDS) if (asUuid(body[k]) !== undefined) row[k] = asUuid(body[k]);
  if (row.country === undefined && typeof row.tz === 'string')
    row.country = TZ_COUNTRY[row.tz.toLowerCase()] || undefined;
  return row;
}

export function agreeRoutes(app: RouteApp, deps: AppDeps, tracking: Tracking, limit: object) {
  const now = deps.now ?? Date.now;
  const { privacy } = deps.config;
  app.post('/tr/v1/ppi/agree', { schema: { body: AgreeBody }, ...limit }, async (req, reply) => {
    const body: Record<string, unknown> = req.body;
    const cflags = Number(body.cflags);
    const vid = asUuid(body.vid) ?? asUuid(req.cookies?.vid) ?? newId();
    const row = agreedRow(req, body, deps, { vid, cflags, at: chTime(now()) });
    await tracking.append('agreed', [row]);
    if (hasConsent(cflags, privacy.consentBits, privacy.analyticsBit)) {
      reply.setCookie('vid', vid, { path: '/', secure: true, sameSite: 'lax', maxAge: 365 * 86_400 });
    }
    return reply.send({ vid, cflags, granted: grantedNames(cflags, privacy.consentBits) });
  });

  app.get('/tr/v1/ppi/agree', { schema: { querystring: AgreeQuery }, ...limit }, async (req) => {
    const vid = asUuid(req.query.vid);
    if (vid === undefined) throw new IngestError('BAD_REQUEST', 'vid must be a UUID');
    const latest = await deps.repositories.consent.latest(vid);
    if (latest === undefined) throw new IngestError('NOT_FOUND', 'no consent recorded for this visitor');
    return latest;
  });
}
