import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { lazyChildLogger } from './lazy-logger.ts';

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
  it('a request that logs writes with its request id, at the levels of the parent logger', async () => {
    const { lines, stream } = capture();
    const app = Fastify({ logger: { level: 'info', stream }, childLoggerFactory: lazyChildLogger });
    app.get('/logs', async (req) => {
      req.log.debug('below the level');
      req.log.info({ n: 1 }, 'handled');
      req.log.child({ step: 'inner' }).warn('nested');
      return { ok: true };
    });
    app.get('/quiet', async () => ({ ok: true }));
    const res = await app.inject({ method: 'GET', url: '/logs' });
    await app.inject({ method: 'GET', url: '/quiet' });
    await app.close();
    const mine = lines.filter(
      (l) => l.msg === 'handled' || l.msg === 'nested' || l.msg === 'below the level',
    );
    expect(res.statusCode).toBe(200);
    expect(mine.map((l) => l.msg)).toEqual(['handled', 'nested']);
    expect(mine[0]).toMatchObject({ n: 1, reqId: expect.any(String) });
    expect(mine[1]).toMatchObject({ step: 'inner', reqId: mine[0]?.reqId });
  });
});
