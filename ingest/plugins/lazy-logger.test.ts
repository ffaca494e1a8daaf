import { Writable } from 'node:stream';
import Fastify, { LogController } from 'fastify';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { createDataPathDouble } from '../testing/datapath-double.ts';
import { testDeps } from '../testing/deps.ts';
import { lazyChildren } from './lazy-logger.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('lazy request logger', () => {
  it('a request that logs writes with its request id, at the levels of the parent logger; one that does not builds no logger', async () => {
    const { lines, stream } = capture();
    // as the ingest runs it: no log line per request from Fastify itself
    const logController = new LogController({ disableRequestLogging: true });
    const app = Fastify({ logger: { level: 'info', stream }, logController });
    // counts the loggers built for requests (children of the app's logger)
    const root = app.log;
    const eager = root.child;
    let built = 0;
    root.child = function (this: typeof root, ...args: Parameters<typeof eager>) {
      if (this === root) built++;
      return eager.apply(this, args);
    } as typeof eager;
    lazyChildren(app.log);
    app.get('/logs', async (req) => {
      req.log.debug('below the level');
      req.log.info({ n: 1 }, 'handled');
      req.log.child({ step: 'inner' }).warn('nested');
      return { ok: true };
    });
    app.get('/quiet', async () => ({ ok: true }));
    await app.ready();
    const before = built;
    await app.inject({ method: 'GET', url: '/quiet' });
    expect(built - before).toBe(0);
    const res = await app.inject({ method: 'GET', url: '/logs' });
    expect(built - before).toBe(1);
    await app.close();
    const mine = lines.filter(
      (l) => l.msg === 'handled' || l.msg === 'nested' || l.msg === 'below the level',
    );
    expect(res.statusCode).toBe(200);
    expect(mine.map((l) => l.msg)).toEqual(['handled', 'nested']);
    expect(mine[0]).toMatchObject({ n: 1, reqId: expect.any(String) });
    expect(mine[1]).toMatchObject({ step: 'inner', reqId: mine[0]?.reqId });
  });

  it('the ingest logs a failed request with its request id, and its logger is lazy', async () => {
    const { lines, stream } = capture();
    const dp = createDataPathDouble();
    const app = await buildApp(await testDeps(dp), { logger: { level: 'info', stream } });
    expect(app.log.child({ probe: 1 }).constructor.name).toBe('LazyChildLogger');
    dp.failWith(new Error('disk on fire'));
    const res = await app.inject({ method: 'POST', url: '/tr/v1/tr/', payload: { ename: 'x' } });
    await app.close();
    expect(res.statusCode).toBe(500);
    const failed = lines.filter((l) => l.msg === 'request failed');
    expect(failed).toEqual([expect.objectContaining({ reqId: expect.any(String), level: 50 })]);
    expect(failed[0]?.err).toMatchObject({ message: 'disk on fire' });
  });
});
