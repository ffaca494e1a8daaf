// Tracked redirects: /rdr records a server event, /xrdr a client event (cookie with consent), then 302. The
// destination host must be on domains.redirectAllowList: without one this would be an open redirect.
import Type from 'typebox';
import type { Config } from '../../config.ts';
import type { AppDeps } from '../../deps.ts';
import { IngestError } from '../../errors.ts';
import { requestInput } from '../../model/collect.ts';
import { requestContext } from '../../plugins/request-context.ts';
import { firstEvent, type Tracking } from '../../tracking.ts';
import { type RouteApp, setVisitorCookie } from '../shared.ts';
import { withoutSlash } from '../track/index.ts';
import { TrackParams } from '../track/schema.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
export const CONTROL = /[\u0000-\u001f\u007f]/;

/** A refusal of the destination's text, naming where it came from (`querystring.url: …` on /rdr). */
export type Naming = (problem: string) => string;

const QUERY_URL: Naming = (problem) => `querystring.url: ${problem}`;

/**
 * Exact host, or any subdomain of an entry written as ".example.com". Relative paths stay on this host.
 * `name` words every refusal of the destination: the redirect routes name their query key, as their
 * schema's own refusals do; a short link's one hop names the `url` of its stored target.
 */
export function allowedDestination(url: string, config: Config, name: Naming = QUERY_URL): string {
  // a control character would be sent as-is in the Location header (header injection, or a 500)
  if (CONTROL.test(url)) throw new IngestError('BAD_REQUEST', name('contains control characters'));
  if (url.startsWith('/') && !url.startsWith('//') && !url.startsWith('/\\')) return relativeLocation(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new IngestError('BAD_REQUEST', name('is not a valid URL'));
  }
  // Named apart from the host: "host  is not on the allow-list" said nothing of a javascript: URL.
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new IngestError('REDIRECT_NOT_ALLOWED', name(`must be http(s), not ${parsed.protocol}`));
  const host = parsed.hostname.toLowerCase();
  const ok = config.domains.redirectAllowList.some((e) => {
    const entry = e.toLowerCase();
    return entry.startsWith('.') ? host.endsWith(entry) || host === entry.slice(1) : host === entry;
  });
  if (!ok)
    throw new IngestError(
      'REDIRECT_NOT_ALLOWED',
      name(`host ${host} is not on the allow-list (domains.redirectAllowList)`),
    );
  return parsed.toString();
}

/**
 * A path on this host as a Location header can carry it: every byte outside printable ASCII
 * percent-encoded (UTF-8), the rest as sent. Sent as given, a character outside Latin-1 (`/✓`) made Node
 * refuse the header after the event was recorded: a 500 for a request that had been stored. The URL
 * parser is not used: it resolves dot segments, and `/.//evil.example` would come out as the
 * scheme-relative `//evil.example`, another host.
 */
function relativeLocation(path: string): string {
  return path.replace(/[^\x21-\x7e]+/g, (run) =>
    Array.from(Buffer.from(run, 'utf8'), (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

const Query = Type.Object(
  { url: Type.Optional(Type.String({ maxLength: 8192 })) },
  { additionalProperties: true },
);

export function redirectRoutes(app: RouteApp, deps: AppDeps, tracking: Tracking, limit: object): void {
  const now = deps.now ?? Date.now;
  const routes = [
    ['/tr/v1/rdr/*', 'server'],
    ['/tr/v1/xrdr/*', 'client'],
  ] as const;
  for (const [path, kind] of routes.flatMap(([p, k]) => withoutSlash(p).map((u) => [u, k] as const))) {
    app.get(path, { schema: { querystring: Query, params: TrackParams }, ...limit }, async (req, reply) => {
      const url = req.query.url ?? deps.config.domains.defaultRedirect;
      if (url === undefined || url === '')
        throw new IngestError('BAD_REQUEST', QUERY_URL('is required (domains.defaultRedirect is not set)'));
      const destination = allowedDestination(url, deps.config);
      // HEAD (link checkers, mail scanners) answers like GET and records nothing
      if (req.method === 'HEAD') return reply.redirect(destination, 302);
      const raw = { etyp: 'redirect', ...requestInput(req, req.params['*']) };
      const event = await tracking.track([raw], requestContext(req, kind, now()), firstEvent);
      if (event !== undefined) setVisitorCookie(reply, deps.config, event);
      return reply.redirect(destination, 302);
    });
  }
}
