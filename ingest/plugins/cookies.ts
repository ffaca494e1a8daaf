// Cookies. @fastify/cookie parses the Cookie header of every request in a hook of its own, while only the
// routes that record events and the erasure routes read cookies: so it is registered without its parsing
// hook, and a request's cookies are parsed the first time they are read (model/request-cookies.ts), with
// the plugin's own parser, so the values are the same. Setting cookies stays the plugin's.
import cookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';

export async function registerCookies(app: FastifyInstance): Promise<void> {
  await app.register(cookie, { hook: false });
}
