// The CORS hook answers what @fastify/cors answered with the options the ingest gave it: both are
// registered on otherwise equal apps, and every request below must get the same status, headers and body.
import cors from '@fastify/cors';
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../config.ts';
import { registerCors } from './cors.ts';
import { registerErrorHandling } from './errors.ts';

type CorsConfig = Config['cors'];

/** The options the ingest gave @fastify/cors before it answered CORS itself. */
function pluginOptions(c: CorsConfig) {
  return {
    origin: c.origins.includes('*') ? '*' : [...c.origins],
    credentials: c.credentials,
    allowedHeaders: ['Content-Type', 'Content-Encoding', 'X-Site-Key', 'Authorization', 'User', 'Accept'],
    exposedHeaders: ['Retry-After'],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    maxAge: 86_400,
  };
}

function routes(app: FastifyInstance): void {
  app.post('/tr/v1/tr/', async () => ({ ok: true }));
  app.get('/ping', async () => 'pong');
  app.get('/varies', async (_req, reply) => reply.header('vary', 'Accept-Encoding').send('x'));
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function both(c: CorsConfig): Promise<[FastifyInstance, FastifyInstance]> {
  const before = Fastify();
  await before.register(cors, pluginOptions(c));
  routes(before);
  const after = Fastify();
  registerCors(after, { cors: c } as Config);
  routes(after);
  apps.push(before, after);
  return [before, after];
}

const answer = async (app: FastifyInstance, req: InjectOptions) => {
  const res = await app.inject(req);
  const { date: _date, ...headers } = res.headers;
  return { status: res.statusCode, headers: Object.entries(headers), body: res.body };
};

const SHOP = 'https://shop.example';
const preflight = (headers: Record<string, string>, url = '/tr/v1/tr/'): InjectOptions => ({
  method: 'OPTIONS',
  url,
  headers,
});

const requests: [string, InjectOptions][] = [
  ['a POST from a listed origin', { method: 'POST', url: '/tr/v1/tr/', headers: { origin: SHOP } }],
  [
    'a POST from another origin',
    { method: 'POST', url: '/tr/v1/tr/', headers: { origin: 'https://x.test' } },
  ],
  ['a POST without an origin', { method: 'POST', url: '/tr/v1/tr/' }],
  ['a GET with an empty origin', { method: 'GET', url: '/ping', headers: { origin: '' } }],
  ['a route that varies on its own', { method: 'GET', url: '/varies', headers: { origin: SHOP } }],
  ['an unknown path', { method: 'GET', url: '/nowhere', headers: { origin: SHOP } }],
  [
    'a full preflight',
    preflight({
      origin: SHOP,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'x',
    }),
  ],
  [
    'a preflight of an unknown path',
    preflight({ origin: SHOP, 'access-control-request-method': 'GET' }, '/x'),
  ],
  [
    'a preflight from another origin',
    preflight({ origin: 'https://x.test', 'access-control-request-method': 'POST' }),
  ],
];

// The plugin answered these with a text/plain 400; every other refusal of the ingest is coded JSON.
const notPreflights: [string, InjectOptions][] = [
  ['without a method', preflight({ origin: SHOP })],
  ['without an origin', preflight({ 'access-control-request-method': 'POST' })],
  ['with an empty origin', preflight({ origin: '', 'access-control-request-method': 'POST' })],
  ['without either (curl -X OPTIONS)', preflight({})],
  ['without either, of an unknown path', preflight({}, '/x')],
];

describe.each([
  ['any origin', { origins: ['*'], credentials: false }],
  ['listed origins', { origins: [SHOP, 'https://other.example'], credentials: false }],
  ['listed origins with credentials', { origins: [SHOP], credentials: true }],
])('CORS for %s answers as @fastify/cors did', (_what, c) => {
  it.each(requests)('%s', async (_name, req) => {
    const [before, after] = await both(c);
    expect(await answer(after, req)).toEqual(await answer(before, req));
  });
});

describe('an OPTIONS that is no preflight', () => {
  it.each(notPreflights)('%s: 400 BAD_REQUEST as JSON, with the CORS headers', async (_name, req) => {
    const app = Fastify();
    registerErrorHandling(app);
    registerCors(app, { cors: { origins: ['*'], credentials: false } } as unknown as Config);
    routes(app);
    apps.push(app);
    const res = await app.inject(req);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
    expect(res.json()).toEqual({ error: 'BAD_REQUEST', message: expect.stringMatching(/CORS preflight/) });
  });
});

describe('CORS without origins', () => {
  async function corsOff(): Promise<FastifyInstance> {
    const app = Fastify();
    registerErrorHandling(app);
    registerCors(app, { cors: { origins: [], credentials: false } } as unknown as Config);
    routes(app);
    apps.push(app);
    return app;
  }

  it('answers a preflight 204 without any CORS header, so the browser reports a CORS refusal', async () => {
    const app = await corsOff();
    const res = await app.inject(preflight({ origin: SHOP, 'access-control-request-method': 'POST' }));
    expect(res.statusCode).toBe(204);
    expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  it('refuses an OPTIONS that is no preflight as BAD_REQUEST', async () => {
    const app = await corsOff();
    const res = await app.inject({ method: 'OPTIONS', url: '/tr/v1/tr/' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'BAD_REQUEST' });
  });

  it('adds no header to other requests', async () => {
    const app = await corsOff();
    const res = await app.inject({ method: 'GET', url: '/ping', headers: { origin: SHOP } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
