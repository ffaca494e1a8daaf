// Erase requests cannot be flooded. Anyone can get a vid and its token (POST /ppi/agree) and then ask for
// its erasure; each costs a delete on every table, run one at a time: 30 such requests took about 4.4 s
// each to finish, and they were accepted faster than they drained. Through inject() on the data path
// TEST DOUBLE, whose settled() the test holds: the requests stay pending until it lets them go.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { newApiKey } from '../auth/api-keys.ts';
import type { AppDeps } from '../deps.ts';
import { visitorToken } from '../privacy/visitor-token.ts';
import { createDataPathDouble } from '../testing/datapath-double.ts';
import { TEST_OID, testDeps } from '../testing/deps.ts';

const PENDING = 4;
let app: FastifyInstance;
let deps: AppDeps;
let key = '';
const stored = Promise.withResolvers<void>();
beforeAll(async () => {
  const k = await newApiKey(TEST_OID, 'acme');
  key = k.key;
  const dataPath = createDataPathDouble();
  dataPath.settled = () => stored.promise;
  const config = { rateLimits: { erasuresPerMinute: 2 }, server: { maxPendingErasures: PENDING } };
  deps = await testDeps(dataPath, config, { keys: [k.entry] });
  app = await buildApp(deps);
});
afterAll(async () => {
  stored.resolve();
  await app.close();
});

/** A fresh visitor's erase request, with the token the service issued with its vid. */
const accepted: string[] = [];
const ids = <T extends { statusCode: number; json(): unknown }>(res: T): T => {
  if (res.statusCode === 202) accepted.push((res.json() as { request_id: string }).request_id);
  return res;
};
const forget = async (remoteAddress: string) => {
  const vid = randomUUID();
  const payload = { vid, token: visitorToken(deps.hasher, vid) };
  return ids(await app.inject({ method: 'POST', url: '/tr/v1/ppi/forget', payload, remoteAddress }));
};
const forgetWithKey = async (remoteAddress: string) =>
  ids(
    await app.inject({
      method: 'POST',
      url: '/tr/v1/ppi/forget',
      payload: { vid: randomUUID() },
      headers: { authorization: `Bearer ${key}` },
      remoteAddress,
    }),
  );
const statusOf = async (id: string) =>
  (await app.inject({ url: `/tr/v1/ppi/forget/${id}`, remoteAddress: '192.0.2.1' })).json<{
    status: string;
  }>().status;

describe('erase requests', () => {
  it('are limited per client when a visitor token proves them: 429 with Retry-After', async () => {
    const client = '2001:db8:5:1::1';
    expect((await forget(client)).statusCode).toBe(202);
    expect((await forget('2001:db8:5:1::2')).statusCode).toBe(202);
    const refused = await forget('2001:db8:5:1::3');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: 'RATE_LIMITED', message: /too many erase requests/ });
    expect(refused.headers['retry-after']).toBe('30');
    // another client has its own; a request with an API key is not counted per client
    expect((await forget('198.51.100.9')).statusCode).toBe(202);
    expect((await forgetWithKey(client)).statusCode).toBe(202);
  });

  it('past server.maxPendingErasures unfinished, 503 with Retry-After; every accepted one finishes', async () => {
    // four are pending from the test above
    const refused = await forgetWithKey('198.51.100.10');
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toMatchObject({
      error: 'OVERLOADED',
      message: `${PENDING} erase requests are pending; retry later`,
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await forget('198.51.100.11')).statusCode).toBe(503);
    expect(accepted).toHaveLength(PENDING);
    stored.resolve();
    for (const id of accepted) await expect.poll(() => statusOf(id)).toBe('done');
  });
});
