// A request's cookies, parsed the first time something reads them, and the Set-Cookie values of a reply:
// with the cookie plugin's own parser and serialiser (plugins/cookies.ts registers the plugin, which
// loads them, and keeps its per-request hooks off every route).
import { fastifyCookie as cookie, type SerializeOptions } from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';

type Cookies = NonNullable<FastifyRequest['cookies']>;

/** The request's cookies (an empty object when it sent none); parsed once, then kept on the request. */
export function requestCookies(req: FastifyRequest): Cookies {
  // every request is decorated with `cookies: null` until something parses them
  const parsed = req.cookies;
  if (parsed !== null) return parsed;
  const header = req.headers.cookie;
  const cookies: Cookies = header === undefined || header === '' ? {} : cookie.parse(header);
  req.cookies = cookies;
  return cookies;
}

/** One Set-Cookie value, as the plugin's `reply.setCookie` writes it (SameSite=Lax unless told otherwise). */
export const setCookieValue = (name: string, value: string, options: SerializeOptions): string =>
  cookie.serialize(name, value, { sameSite: 'lax', ...options });
