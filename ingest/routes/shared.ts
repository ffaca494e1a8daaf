// Small helpers shared by route modules.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Config } from '../config.ts';
import type { NormalisedEvent } from '../model/normalise.ts';
import { setCookieValue } from '../model/request-cookies.ts';
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

const COOKIE_MAX_AGE_S = 365 * 86_400;

/**
 * The vid cookie: Secure, SameSite=Lax, the configured domain; only with consent. With a visitor token (a
 * vid generated here), the token goes in its own HttpOnly cookie next to it.
 */
export function setVisitorCookie(
  reply: FastifyReply,
  config: Config,
  e: Pick<NormalisedEvent, 'vid' | 'cookies' | 'token'>,
): void {
  if (!e.cookies) return;
  const options = {
    path: '/',
    secure: true,
    sameSite: 'lax',
    maxAge: COOKIE_MAX_AGE_S,
    ...(config.domains.cookieDomain === undefined ? {} : { domain: config.domains.cookieDomain }),
  } as const;
  const vid = setCookieValue('vid', e.vid, options);
  // the erase proof: HttpOnly, so page scripts (and whatever is injected into them) cannot read it
  const token =
    e.token === undefined ? undefined : setCookieValue(TOKEN_COOKIE, e.token, { ...options, httpOnly: true });
  reply.header('set-cookie', token === undefined ? vid : [vid, token]);
}

/** 1x1 transparent GIF (43 bytes). */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
