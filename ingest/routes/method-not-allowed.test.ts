// A wrong method on a path that has routes answered 404, as if the path did not exist.
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApps } from '../app.ts';
import { createDataPathDouble, type DataPathDouble } from '../testing/datapath-double.ts';
import { testDeps } from '../testing/deps.ts';

let dp: DataPathDouble;
let app: FastifyInstance;
let ops: FastifyInstance;

beforeEach(async () => {
  dp = createDataPathDouble();
  ({ app, ops } = await buildApps(await testDeps(dp, {})));
});
afterEach(async () => {
  await app.close();
  await ops.close();
});

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

describe('a wrong method on an existing path', () => {
  it.each([
    ['DELETE', '/tr/v1/str/', 'GET, HEAD, POST'],
    ['PATCH', '/tr/v1/tr/ename/x?utm_source=a', 'GET, HEAD, POST, PUT'],
    ['DELETE', '/tr/v1/tr', 'GET, HEAD, POST, PUT'],
    ['DELETE', '/tr/v1/tr/ename/caf%C3%A9', 'GET, HEAD, POST, PUT'],
    ['PUT', '/tr/v1/rpi/redirect', 'POST'],
    ['PUT', '/health', 'GET, HEAD'],
    ['POST', '/tr/v1/rpi/redirects/go.example', 'GET, HEAD'],
    ['PATCH', '/tr/v1/rpi/redirects/go.example/x', 'DELETE'],
    // a GET of a POST-only path is no short link off the short-link hosts
    ['GET', '/tr/v1/ltv/', 'POST'],
    ['GET', '/tr/v1/rpi/redirect', 'POST'],
    ['GET', '/tr/v1/ppi/forget', 'POST'],
    ['DELETE', '/tr/v1/ppi/agree', 'GET, HEAD, POST'],
    ['PUT', '/tr/v1/ppi/jds', 'GET, HEAD'],
  ])('%s %s → 405 JSON, Allow: %s, no event', async (method, url, allow) => {
    const res = await app.inject({ method: method as Method, url });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe(allow);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const path = url.split('?')[0];
    expect(res.json()).toEqual({
      error: 'METHOD_NOT_ALLOWED',
      message: `${path} answers ${allow}, not ${method}`,
    });
    expect(dp.rows.size).toBe(0);
  });

  // The short links' GET /* and CORS's OPTIONS * answer every path: they do not make one exist.
  it.each([
    ['POST', '/api/orders'],
    ['DELETE', '/favicon.ico'],
    ['PUT', '/'],
    ['DELETE', '/tr/v1/nope/'],
    ['DELETE', '/caf%C3%A9/a%2Fb%20c'],
    ['GET', '/tr/v1/ppi/nope'],
    ['POST', '/tr/v1/ppi/nope'],
    ['GET', '/tr/v1/pub/file.pdf'],
  ])('%s %s, a path only catch-all routes answer → 404 without Allow', async (method, url) => {
    const res = await app.inject({ method: method as Method, url });
    expect(res.statusCode).toBe(404);
    expect(res.headers.allow).toBeUndefined();
    expect(res.json()).toMatchObject({ error: 'NOT_FOUND' });
  });

  it('a method a route has still reaches it (GET of a short link is not refused)', async () => {
    expect((await app.inject({ method: 'GET', url: '/tr/v1/str/' })).statusCode).not.toBe(405);
    expect((await app.inject({ method: 'GET', url: '/no-such-slug' })).statusCode).toBe(404);
  });

  it('on a short-link host a GET of any path is a slug looked up', async () => {
    const res = await app.inject({ method: 'GET', url: '/tr/v1/ltv/', headers: { host: 'go.example' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers.allow).toBeUndefined();
    expect(res.json()).toEqual({ error: 'NOT_FOUND', message: 'no such link' });
  });

  it('HEAD of a POST-only path → 405 with Allow', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/tr/v1/ltv/' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('POST');
  });
});
