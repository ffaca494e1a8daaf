// A tracking request lets go of its parsed body before its events are written: the request object lives
// until the answer is sent, after the durable write, and under load what it held was promoted to V8's old
// generation only to wait there for a full collection.
import type { FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../app.ts';
import { heldDataPath } from '../../testing/datapath-double.ts';
import { testDeps } from '../../testing/deps.ts';

let close: (() => Promise<void>) | undefined;
afterEach(() => close?.());

describe('tracking routes while the write waits', () => {
  it.each([
    ['/tr/v1/str/', 100],
    ['/tr/v1/tr/', 1],
  ])('%s holds no parsed body, and answers once written', async (url, events) => {
    const { dataPath, firstInFlight, release } = heldDataPath();
    const app = await buildApp(await testDeps(dataPath));
    close = () => app.close();
    let seen: FastifyRequest | undefined;
    app.addHook('preHandler', async (req) => {
      seen = req;
    });
    const body = Array.from({ length: events }, (_, n) => ({ ename: 'held', n }));
    const answer = app.inject({ method: 'POST', url, payload: events === 1 ? body[0] : body });
    await firstInFlight;
    expect(seen?.body).toBeUndefined();
    release();
    const res = await answer;
    expect(res.statusCode).toBe(200);
    expect(dataPath.table('events')).toHaveLength(events);
    if (events > 1) expect(res.json().eids).toHaveLength(events);
  });
});
