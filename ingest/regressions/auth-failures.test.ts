// Failed authentications are bounded per client. The short-link admin routes and the erase status read
// were never rate-limited, and the credentials-in-path form ran a scrypt check for every password
// guessed: a client could guess API keys, passwords and erase request ids without end. Through inject()
// on the data path TEST DOUBLE (its store answers every read with no rows), a clock the test moves.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { newApiKey } from '../auth/api-keys.ts';
import { createDataPathDouble } from '../testing/datapath-double.ts';
import { TEST_OID, testDeps } from '../testing/deps.ts';

const ALLOWED = 5;
let app: FastifyInstance;
let key = '';
let clock = Date.UTC(2026, 0, 1);
beforeAll(async () => {
  const k = await newApiKey(TEST_OID, 'acme');
  key = k.key;
  const config = {
    rateLimits: { authFailuresPerMinute: ALLOWED },
    apiKeys: { allowPathCredentials: true },
  };
  app = await buildApp(await testDeps(createDataPathDouble(), config, { keys: [k.entry], now: () => clock }));
});
afterAll(() => app.close());

const UNKNOWN = '7e57da7a-0000-4000-8000-000000000000';
type Send = (remoteAddress: string, right: boolean) => Promise<LightMyRequestResponse>;
const routes: [string, Send][] = [
  [
    'the short-link admin API',
    (remoteAddress, right) =>
      app.inject({
        url: '/tr/v1/rpi/redirects/go.example',
        headers: { authorization: `Bearer ${right ? key : `${key.split('.')[0]}.guess${clock}`}` },
        remoteAddress,
      }),
  ],
  [
    'an erase request',
    (remoteAddress, right) =>
      app.inject({
        method: 'POST',
        url: '/tr/v1/ppi/forget',
        payload: { vid: UNKNOWN },
        headers: { authorization: `Bearer ${right ? key : 'nope.guess'}` },
        remoteAddress,
      }),
  ],
];
let client = 0;
/** A client of its own per test: an IPv6 /64. */
const nextClient = () => `2001:db8:${++client}:1::1`;
const statuses = async (send: Send, address: string, right: boolean, n: number) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await send(address, right)).statusCode);
  return out;
};

describe('failed authentications per client', () => {
  it.each(routes)(
    '%s: past the allowance, 429 with Retry-After; even a right key waits',
    async (_r, send) => {
      const address = nextClient();
      expect(await statuses(send, address, false, ALLOWED)).toEqual(Array(ALLOWED).fill(401));
      const refused = await send(address, false);
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toMatchObject({ error: 'RATE_LIMITED', message: /failed authentications/ });
      // one failure is allowed again each 60/ALLOWED seconds
      expect(refused.headers['retry-after']).toBe(String(60 / ALLOWED));
      expect((await send(address, true)).statusCode).toBe(429);
      // another address of the same /64 is the same client; another /64 is not
      expect((await send(address.replace('::1', '::beef'), false)).statusCode).toBe(429);
      expect((await send(nextClient(), false)).statusCode).toBe(401);
      clock += (60 / ALLOWED) * 1000;
      expect(await statuses(send, address, false, 2)).toEqual([401, 429]);
    },
  );

  it.each(routes)('%s: successful requests take nothing from the allowance', async (_r, send) => {
    const address = nextClient();
    expect((await statuses(send, address, true, 3 * ALLOWED)).every((s) => s < 300)).toBe(true);
    expect(await statuses(send, address, false, ALLOWED + 1)).toEqual([...Array(ALLOWED).fill(401), 429]);
  });

  it('an account password in the path is not checked past the allowance', async () => {
    const address = nextClient();
    const guess = (i: number) =>
      app.inject({ url: `/tr/v1/rpi/redirects/${UNKNOWN}/guess${i}/go.example`, remoteAddress: address });
    const out: number[] = [];
    for (let i = 0; i <= ALLOWED; i++) out.push((await guess(i)).statusCode);
    expect(out).toEqual([...Array(ALLOWED).fill(401), 429]);
  });

  it('unknown erase request ids are failures too, and share the allowance', async () => {
    const address = nextClient();
    const status = async () =>
      (await app.inject({ url: `/tr/v1/ppi/forget/${UNKNOWN}`, remoteAddress: address })).statusCode;
    const out: number[] = [];
    for (let i = 0; i < ALLOWED; i++) out.push(await status());
    expect(out).toEqual(Array(ALLOWED).fill(404));
    expect(await status()).toBe(429);
    expect((await routes[0]?.[1](address, false))?.statusCode).toBe(429);
  });
});
