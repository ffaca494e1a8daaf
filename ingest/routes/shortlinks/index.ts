// Short-link admin API (Authorization: Bearer <api key>, org-scoped) and resolution on short-link hosts.
import type { FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { Principal } from '../../auth/api-keys.ts';
import { apiKeyPrincipal } from '../../auth/bearer.ts';
import { type PathCredentials, pathPrincipal } from '../../auth/path-credentials.ts';
import type { AppDeps } from '../../deps.ts';
import { IngestError } from '../../errors.ts';
import { requestInput } from '../../model/collect.ts';
import { chTime } from '../../model/time.ts';
import type { FailureGuard } from '../../plugins/rate-limit/failures.ts';
import { hostOf, requestContext } from '../../plugins/request-context.ts';
import { strictValidator } from '../../plugins/strict-body.ts';
import { fnv1a36 } from '../../privacy/hash.ts';
import { firstEvent, noAnswer, type Tracking } from '../../tracking.ts';
import { CONTROL } from '../redirect/index.ts';
import { type RouteApp, setVisitorCookie } from '../shared.ts';
import { createLinkCache, type LinkCache, linkKey } from './links.ts';
import { finalDestination, linkTarget, trackedTarget } from './tracked-target.ts';

const CreateBody = Type.Object(
  {
    urlfrom: Type.String({ minLength: 3, maxLength: 2048 }),
    urlto: Type.String({
      minLength: 8,
      maxLength: 8192,
      pattern: '^https?://',
      description: 'an absolute http(s) URL',
    }),
    searchto: Type.Optional(Type.String({ maxLength: 2048 })),
  },
  { additionalProperties: true },
);
type CreateBody = Static<typeof CreateBody>;
const HostParams = Type.Object({ host: Type.String({ maxLength: 255 }), '*': Type.Optional(Type.String()) });
// the credentials-in-path forms (auth/path-credentials.ts)
const Credentials = { uid: Type.String({ maxLength: 64 }), password: Type.String({ maxLength: 1024 }) };
const CredentialParams = Type.Object(Credentials);
const CredentialHostParams = Type.Object({ ...Credentials, host: Type.String({ maxLength: 255 }) });

/** Bearer API key, or (only with `creds`, the credentials-in-path form) an account's uid/password. */
async function authenticate(req: FastifyRequest, deps: AppDeps, creds?: PathCredentials): Promise<Principal> {
  if (creds !== undefined)
    return pathPrincipal(creds, deps.repositories.accounts, deps.config.apiKeys.allowPathCredentials);
  return apiKeyPrincipal(req.headers.authorization, deps.apiKeys);
}

// Who made an admin request, known before its body is read: a caller without a valid key learns nothing of
// what a valid request looks like (401 before any 400).
const principals = new WeakMap<FastifyRequest, Principal>();
// The guard runs first: a client out of failed attempts is refused before its credential costs a scrypt.
const signedIn = (deps: AppDeps, guard: FailureGuard, withPathCredentials = false) => ({
  onRequest: [
    guard.onRequest,
    async (req: FastifyRequest) => {
      const creds = withPathCredentials ? (req.params as PathCredentials) : undefined;
      principals.set(req, await authenticate(req, deps, creds));
    },
  ],
  onResponse: guard.onResponse,
});
function principalOf(req: FastifyRequest): Principal {
  const who = principals.get(req);
  if (who === undefined) throw new Error('an admin route ran without its onRequest authentication');
  return who;
}

function parseFrom(urlfrom: string): { host: string; slug: string } {
  if (CONTROL.test(urlfrom))
    throw new IngestError('BAD_REQUEST', 'body.urlfrom: contains control characters');
  let u: URL;
  try {
    u = new URL(/^https?:\/\//i.test(urlfrom) ? urlfrom : `https://${urlfrom}`);
  } catch {
    throw new IngestError('BAD_REQUEST', 'body.urlfrom: is not a host/path');
  }
  if (u.pathname.length < 2)
    throw new IngestError('BAD_REQUEST', 'body.urlfrom: needs a path of at least one character');
  return { host: u.hostname.toLowerCase(), slug: u.pathname.toLowerCase() };
}

function adminRoutes(
  app: RouteApp,
  deps: AppDeps,
  tracking: Tracking,
  links: LinkCache,
  guard: FailureGuard,
) {
  const now = deps.now ?? Date.now;
  const hosts = deps.config.domains.shortLinkHosts.map((h) => h.toLowerCase());
  const create = async (who: Principal, body: CreateBody) => {
    const { host, slug } = parseFrom(body.urlfrom);
    // links resolve only on the configured hosts: one elsewhere would be stored and never answered
    if (!hosts.includes(host)) {
      const configured = hosts.length === 0 ? 'none is configured' : `configured: ${hosts.join(', ')}`;
      throw new IngestError(
        'BAD_REQUEST',
        `body.urlfrom: host ${host} is not a short-link host (domains.shortLinkHosts; ${configured})`,
      );
    }
    const to = linkTarget(body.urlto);
    if (to === undefined) {
      throw new IngestError(
        'BAD_REQUEST',
        'body.urlto: must be an absolute http(s) URL without control characters',
      );
    }
    if (
      deps.config.domains.shortLinkHosts.includes(to.hostname.toLowerCase()) &&
      !to.pathname.includes('/rdr/')
    ) {
      throw new IngestError('BAD_REQUEST', 'body.urlto: may not point at a short-link host (redirect loop)');
    }
    const key = linkKey(host, slug);
    const owner = await deps.repositories.links.ownerOf(host, key);
    if (owner !== undefined && owner !== who.oid)
      throw new IngestError('FORBIDDEN', 'link belongs to another org');
    const at = chTime(now());
    const link = { urlfrom: key, urlto: body.urlto, oid: who.oid, org: who.org };
    await tracking.append('redirects', [
      { hhash: fnv1a36(host), ...link, updated_at: at, created_at: at, deleted: 0 },
    ]);
    await tracking.append('redirect_history', [
      {
        ...link,
        urlfrom: key,
        hostfrom: host,
        slugfrom: slug,
        hostto: to.hostname,
        pathto: to.pathname, // the target's path, not the short link's
        searchto: body.searchto ?? to.search,
        updated_at: at,
        action: 'create',
      },
    ]);
    links.put(link);
    return { urlfrom: key, urlto: body.urlto };
  };
  app.post(
    '/tr/v1/rpi/redirect',
    { ...signedIn(deps, guard), schema: { body: CreateBody }, validatorCompiler: strictValidator },
    async (req, reply) => reply.status(201).send(await create(principalOf(req), req.body)),
  );
  app.post(
    '/tr/v1/rpi/redirect/:uid/:password',
    {
      ...signedIn(deps, guard, true),
      schema: { params: CredentialParams, body: CreateBody },
      validatorCompiler: strictValidator,
    },
    async (req, reply) => reply.status(201).send(await create(principalOf(req), req.body)),
  );

  const list = async (who: Principal, hostParam: string) => {
    // Scoped to the caller's org and to {host}: never another org's links, never another host's.
    const results = await deps.repositories.links.list(hostParam.toLowerCase(), who.oid);
    return { results };
  };
  app.get(
    '/tr/v1/rpi/redirects/:host',
    { ...signedIn(deps, guard), schema: { params: HostParams } },
    async (req) => list(principalOf(req), req.params.host),
  );
  app.get(
    '/tr/v1/rpi/redirects/:uid/:password/:host',
    { ...signedIn(deps, guard, true), schema: { params: CredentialHostParams } },
    async (req) => list(principalOf(req), req.params.host),
  );

  app.delete(
    '/tr/v1/rpi/redirects/:host/*',
    { ...signedIn(deps, guard), schema: { params: HostParams } },
    async (req, reply) => {
      const who = principalOf(req);
      const p = req.params;
      const { host, slug } = parseFrom(`${p.host}/${p['*'] ?? ''}`);
      const key = linkKey(host, slug);
      const owner = await deps.repositories.links.ownerOf(host, key);
      if (owner === undefined) throw new IngestError('NOT_FOUND', 'no such link');
      if (owner !== who.oid) throw new IngestError('FORBIDDEN', 'link belongs to another org');
      const at = chTime(now());
      await tracking.append('redirects', [
        {
          hhash: fnv1a36(host),
          urlfrom: key,
          urlto: '',
          oid: who.oid,
          org: who.org,
          updated_at: at,
          deleted: 1,
        },
      ]);
      links.remove(key);
      return reply.status(204).send();
    },
  );
}

export function shortLinkRoutes(
  app: RouteApp,
  deps: AppDeps,
  tracking: Tracking,
  limit: object,
  guard: FailureGuard,
): void {
  const { domains } = deps.config;
  const now = deps.now ?? Date.now;
  const links = createLinkCache(deps.repositories.links, domains.shortLinkCacheSize);
  const hosts = new Set(domains.shortLinkHosts.map((h) => h.toLowerCase()));
  const ours = new Set([...hosts, ...domains.trackerHosts.map((h) => h.toLowerCase())]);
  adminRoutes(app, deps, tracking, links, guard);
  app.get('/*', { ...limit }, async (req, reply) => {
    const host = hostOf(req);
    // elsewhere the path is no slug: the not-found handler tells a path with routes for other methods
    // (405 with Allow) from one without any (404)
    if (!hosts.has(host)) return reply.callNotFound();
    const path = req.url.split('?')[0] ?? '/';
    const link = await links.resolve(host, path);
    if (link === undefined) throw new IngestError('NOT_FOUND', 'no such link');
    // links stored before targets were checked on create may hold one that cannot be sent as a Location
    const target = linkTarget(link.urlto);
    if (target === undefined) throw new IngestError('NOT_FOUND', 'the link has no valid target');
    // sent as the URL parser writes it (percent-encoded): a target as stored with a character outside
    // Latin-1 (`https://shop.example/✓`) made Node refuse the header, a 500 after the event was recorded
    const location = target.href;
    const base = { ...requestInput(req), etyp: 'redirect', ename: 'short_rdr', last: path };
    const tracked = trackedTarget(link.urlto, ours);
    // HEAD (link checkers, mail scanners) answers like GET and records nothing
    const probe = req.method === 'HEAD';
    if (tracked !== undefined) {
      // one hop to the final destination, one server event like the /tr/v1/rdr hop would have recorded
      const destination = finalDestination(tracked, deps.config);
      if (probe) return reply.redirect(destination, 302);
      const raw = { ...base, ...tracked.values, url: destination, oid: link.oid };
      await tracking.track([raw], requestContext(req, 'server', now()), noAnswer);
      return reply.redirect(destination, 302);
    }
    if (probe) return reply.redirect(location, 302);
    const raw = { ...base, url: link.urlto, oid: link.oid };
    const event = await tracking.track([raw], requestContext(req, 'client', now()), firstEvent);
    // the cookie is set before the redirect is written: a redirect sent first would go out without it
    if (event !== undefined) setVisitorCookie(reply, deps.config, event);
    return reply.redirect(location, 302);
  });
}
