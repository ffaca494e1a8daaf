// A request's cookies, parsed the first time something reads them (plugins/cookies.ts registers the
// cookie plugin without the hook that parsed them for every request).
import type { FastifyRequest } from 'fastify';

type Cookies = FastifyRequest['cookies'];

/** The request's cookies (an empty object when it sent none); parsed once, then kept on the request. */
export function requestCookies(req: FastifyRequest): Cookies {
  // the plugin decorates every request with `cookies: null` until something parses them
  const parsed = req.cookies as Cookies | null;
  if (parsed !== null) return parsed;
  const header = req.headers.cookie;
  const cookies: Cookies = header === undefined || header === '' ? {} : req.server.parseCookie(header);
  req.cookies = cookies;
  return cookies;
}
