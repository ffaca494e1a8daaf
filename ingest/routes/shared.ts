// Small helpers shared by route modules.

import type { SerializeOptions } from '@fastify/cookie';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ReadFailures } from '../auth/read-failures.ts';
import type { Config } from '../config.ts';
import { ZERO_UUID } from '../model/ids.ts';
import type { NormalisedEvent } from '../model/normalise.ts';
import { requestCookies, setCookieValue } from '../model/request-cookies.ts';
import type { FailureGuard } from '../plugins/rate-limit/failures.ts';
import { TOKEN_COOKIE } from '../privacy/visitor-token.ts';

/**
 * The instance route modules register on: the TypeBox type provider types `req.body` / `req.query` /
 * `req.params` from each route's schema, so the schemas are also the handlers' TypeScript types (one
 * source for validation and types).
 */
export type RouteApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** A tracking route's rate limit (plugins/rate-limit/hook.ts): none when no limit is configured. */
export interface RouteLimit {
  readonly onRequest?: (req: FastifyRequest) => Promise<void>;
}

/** The hooks bounding failed authentications per client (plugins/rate-limit/failures.ts). */
export interface AuthGuards {
  /** Routes that check an API key or a password: a 401 is a failure. */
  readonly credential: FailureGuard;
  /** The erase status read: an unknown request id (404) is a failure too. */
  readonly requestId: FailureGuard;
  /** The dashboard's read credential: a wrong one is a failure (auth/read-failures.ts). */
  readonly read: ReadFailures;
}

const COOKIE_MAX_AGE_S = 365 * 86_400;
/**
 * The session cookie: a request that carries no sid of its own (a pixel, a link's GET, a page without the
 * browser client) continues the session its cookie names, and each answer moves the cookie's end 30
 * minutes on, so a visitor's session ends after 30 minutes without an event, as the browser client's does.
 * Without it every such event was a session of its own. Read back as the Go tracker read its `sid` cookie.
 */
const SESSION_COOKIE = 'sid';
const SESSION_MAX_AGE_S = 30 * 60;

/**
 * An answer about one visitor (its cookies, its token, its consent) is stored by no cache: without a
 * Cache-Control, a CDN that caches what names no lifetime (CloudFront's default TTL is a day) would hand one
 * visitor's vid and erase token to the next, and answer a consent read with the consent of before a
 * withdrawal.
 */
export const PERSONAL = 'no-store';

/**
 * The vid cookie: Secure, SameSite=Lax, the configured domain; only with consent. With an event's sid, the
 * session cookie next to it (SESSION_COOKIE). With a visitor token (a vid generated here), the token goes
 * in its own HttpOnly cookie next to them. Without consent, the visitor
 * cookies the request still carries (set while it had consent, which it has since withdrawn) are expired:
 * the ingest no longer uses them, and a browser would otherwise keep an identifier for a year. Either
 * answer is marked for no cache to keep (PERSONAL).
 */
export function setVisitorCookie(
  reply: FastifyReply,
  config: Config,
  e: Pick<NormalisedEvent, 'vid' | 'cookies' | 'token'> & { readonly sid?: string },
): void {
  const options = {
    path: '/',
    secure: true,
    sameSite: 'lax',
    maxAge: COOKIE_MAX_AGE_S,
    ...(config.domains.cookieDomain === undefined ? {} : { domain: config.domains.cookieDomain }),
  } as const;
  if (!e.cookies) {
    expireVisitorCookies(reply, options);
    return;
  }
  const cookies = [setCookieValue('vid', e.vid, options)];
  if (e.sid !== undefined && e.sid !== ZERO_UUID)
    cookies.push(setCookieValue(SESSION_COOKIE, e.sid, { ...options, maxAge: SESSION_MAX_AGE_S }));
  // the erase proof: HttpOnly, so page scripts (and whatever is injected into them) cannot read it
  if (e.token !== undefined)
    cookies.push(setCookieValue(TOKEN_COOKIE, e.token, { ...options, httpOnly: true }));
  reply.header('set-cookie', cookies.length === 1 ? cookies[0] : cookies).header('cache-control', PERSONAL);
}

/** Max-Age=0 for each visitor cookie the request sent, with the attributes it was set with. */
function expireVisitorCookies(reply: FastifyReply, options: SerializeOptions): void {
  const sent = requestCookies(reply.request);
  const names = ['vid', SESSION_COOKIE, TOKEN_COOKIE].filter((name) => sent[name] !== undefined);
  if (names.length === 0) return;
  const gone = { ...options, maxAge: 0 };
  reply
    .header(
      'set-cookie',
      names.map((name) =>
        setCookieValue(name, '', name === TOKEN_COOKIE ? { ...gone, httpOnly: true } : gone),
      ),
    )
    .header('cache-control', PERSONAL);
}

/** 1x1 transparent GIF (43 bytes). */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
