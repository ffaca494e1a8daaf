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

/** The vid cookie: Secure, SameSite=Lax, the configured domain; only with consent. */
export function setVisitorCookie(reply: FastifyReply, config: Config, e: NormalisedEvent): void {
  if (!e.cookies) return;
  reply.setCookie('vid', e.vid, {
    path: '/',
    secure: true,
    sameSite: 'lax',
    maxAge: COOKIE_MAX_AGE_S,
    ...(config.domains.cookieDomain === undefined ? {} : { domain: config.domains.cookieDomain }),
  });
}

/** 1x1 transparent GIF (43 bytes). */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
