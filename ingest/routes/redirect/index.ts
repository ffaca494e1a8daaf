// Tracked redirects: /rdr records a server event, /xrdr a client event (cookie with consent), then 302. The
// destination host must be on domains.redirectAllowList: without one this would be an open redirect.
import Type from 'typebox';
import type { Config } from '../../config.ts';
import type { AppDeps } from '../../deps.ts';
import { IngestError } from '../../errors.ts';
import { requestInput } from '../../model/collect.ts';
import { requestContext } from '../../plugins/request-context.ts';
import type { Tracking } from '../../tracking.ts';
import { type RouteApp, setVisitorCookie } from '../shared.ts';
import { TrackParams } from '../track/schema.ts';

/** Exact host, or any subdomain of an entry written as ".example.com". Relative paths stay on this host. */
export function allowedDestination(url: string, config: Config): string {
  if (url.startsWith('/') && !url.startsWith('//') && !url.startsWith('/\\')) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new IngestError('BAD_REQUEST', 'url is not a valid URL');
  }
  const host = parsed.hostname.toLowerCase();
  const ok =
    (parsed.protocol === 'https:' || parsed.protocol === 'http:') &&
    config.domains.redirectAllowList.some((e) => {
      const entry = e.toLowerCase();
      return entry.startsWith('.') ? host.endsWith(entry) || host === entry.slice(1) : host === entry;
    });
  if (!ok) throw new IngestError('REDIRECT_NOT_ALLOWED', `destination host ${host} is not on the allow-list`);
  return parsed.toString();
}

const Query = Type.Object(
  { url: Type.Optional(Type.String({ maxLength: 8192 })) },
  { additionalProperties: true },
);

export function redirectRoutes(app: RouteApp, deps: AppDeps, tracking: Tracking, limit: object): void {
  const now = deps.now ?? Date.now;
  for (const [path, kind] of [
    ['/tr/v1/rdr/*', 'server'],
    ['/tr/v1/xrdr/*', 'client'],
  ] as const) {
    app.get(path, { schema: { querystring: Query, params: TrackParams }, ...limit }, async (req, reply) => {
      const url = req.query.url ?? deps.config.domains.defaultRedirect;
      if (url === undefined || url === '') throw new IngestError('BAD_REQUEST', 'url is required');
      const destination = allowedDestination(url, deps.config);
      const raw = { etyp: 'redirect', ...requestInput(req, req.params['*']) };
      const [event] = await tracking.track([raw], requestContext(req, kind, now()));
      if (event !== undefined) setVisitorCookie(reply, deps.config, event);
      return reply.redirect(destination, 302);
    });
  }
}
