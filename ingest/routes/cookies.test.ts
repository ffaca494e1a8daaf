// The cookie plugin runs no hook for any request (plugins/cookies.ts): cookies are read on first use and
// the visitor's cookies are written as the Set-Cookie header by the route. Both must give what the
// plugin's own hooks gave: the same parsed values, the same Set-Cookie values in the same order.
import cookie, { type SerializeOptions } from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApps } from '../app.ts';
import type { Config } from '../config.ts';
import { requestCookies } from '../model/request-cookies.ts';
import { registerCookies } from '../plugins/cookies.ts';
import { createDataPathDouble } from '../testing/datapath-double.ts';
import { testDeps } from '../testing/deps.ts';
import { setVisitorCookie } from './shared.ts';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

const VID = '0b6b1b6e-1111-4000-8000-000000000abc';
type Visitor = { vid: string; cookies: boolean; token?: string };

/**
 * The decorator the plugin adds to the replies of the routes it is registered for. The ingest's declaration
 * of the plugin (plugins/fastify-cookie.d.ts) leaves it out: no route of the app has it.
 */
type PluginReply = FastifyReply & { setCookie(name: string, value: string, o: SerializeOptions): unknown };

/** What the route did before: the plugin registered for every route, `reply.setCookie` per cookie. */
async function withPlugin(): Promise<FastifyInstance> {
  const app = Fastify();
  apps.push(app);
  await app.register(cookie);
  app.get('/cookies', async (req) => req.cookies);
  app.post('/set', async (req, plain) => {
    const reply = plain as PluginReply;
    const { visitor, domain } = req.body as { visitor: Visitor; domain?: string };
    const options = {
      path: '/',
      secure: true,
      sameSite: 'lax',
      maxAge: 365 * 86_400,
      ...(domain === undefined ? {} : { domain }),
    } as const;
    reply.setCookie('vid', visitor.vid, options);
    if (visitor.token !== undefined) reply.setCookie('vtok', visitor.token, { ...options, httpOnly: true });
    return 'ok';
  });
  return app;
}

async function withoutHooks(): Promise<FastifyInstance> {
  const app = Fastify();
  apps.push(app);
  await registerCookies(app);
  app.get('/cookies', async (req) => requestCookies(req));
  app.post('/set', async (req, reply) => {
    const { visitor, domain } = req.body as { visitor: Visitor; domain?: string };
    setVisitorCookie(reply, { domains: { cookieDomain: domain } } as Config, visitor);
    return 'ok';
  });
  return app;
}

describe('cookies without the plugin’s hooks', () => {
  it.each([
    ['the vid alone', { visitor: { vid: VID, cookies: true } }],
    ['the vid and its HttpOnly token', { visitor: { vid: VID, cookies: true, token: 'tok.en-1' } }],
    ['a cookie domain', { visitor: { vid: VID, cookies: true, token: 't' }, domain: 'example.com' }],
  ])('writes the Set-Cookie header the plugin wrote: %s', async (_what, payload) => {
    const [before, after] = [await withPlugin(), await withoutHooks()];
    const sent = async (app: FastifyInstance) =>
      (await app.inject({ method: 'POST', url: '/set', payload })).headers['set-cookie'];
    expect(await sent(after)).toEqual(await sent(before));
    expect(await sent(after)).toBeDefined();
  });

  it('sets no cookie without consent', async () => {
    const app = await withoutHooks();
    const res = await app.inject({
      method: 'POST',
      url: '/set',
      payload: { visitor: { vid: VID, cookies: false } },
    });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it.each([
    'vid=abc; CookieConsent=3',
    'a=1; a=2; b=%20x%3B; c="quoted"; =empty; d',
    'constructor=1; __proto__=2',
  ])('parses the Cookie header as the plugin parsed it: %s', async (header) => {
    const [before, after] = [await withPlugin(), await withoutHooks()];
    const read = async (app: FastifyInstance) =>
      (await app.inject({ url: '/cookies', headers: { cookie: header } })).json();
    expect(await read(after)).toEqual(await read(before));
  });

  it('no route of the public app runs a hook of the plugin; the tracking route still sets the cookie', async () => {
    const { app, ops } = await buildApps(await testDeps(createDataPathDouble()));
    apps.push(app, ops);
    await app.ready();
    expect(app.printRoutes({ includeHooks: true, commonPrefix: false })).not.toMatch(/fastifyCookie/);
    const probe = await app.inject({ url: '/health', headers: { cookie: 'vid=x; CookieConsent=3' } });
    expect(probe.headers['set-cookie']).toBeUndefined();
    const tracked = await app.inject({
      method: 'POST',
      url: '/tr/v1/tr/',
      headers: { cookie: `vid=${VID}; CookieConsent=3` },
      payload: { ename: 'x' },
    });
    const sid = tracked.cookies.find((c) => c.name === 'sid')?.value;
    expect(tracked.headers['set-cookie']).toEqual([
      `vid=${VID}; Max-Age=31536000; Path=/; Secure; SameSite=Lax`,
      `sid=${sid}; Max-Age=1800; Path=/; Secure; SameSite=Lax`,
    ]);
  });
});
