// Cookies. @fastify/cookie adds two hooks to every route: one parses the Cookie header of every request,
// one (onSend) writes the cookies a reply set. Only the routes that record events set a cookie (the
// visitor's, routes/shared.ts) and only those and the erasure routes read one. So the plugin runs in a
// context of its own that holds no route (its hooks and decorators stay there: no request passes its
// hooks); registering it loads the parser and serialiser that model/request-cookies.ts then uses where
// cookies are read (on first read) and written (as the Set-Cookie header): the values and the header
// are the ones the plugin's hooks produced.
import cookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';

export async function registerCookies(app: FastifyInstance): Promise<void> {
  await app.register(async (own) => {
    await own.register(cookie, { hook: false });
  });
  // `null` until something reads the request's cookies (model/request-cookies.ts)
  app.decorateRequest('cookies', null);
}
