// 503 answers are logged once per run, not once per request: a full or unwritable spool refused every
// client, and each refusal wrote an error line with its stack, thousands a second onto the disk whose
// being full was often the cause. Other 5xx are still logged one by one.
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { IngestError } from '../errors.ts';
import { REPEAT_LOG_MS, registerErrorHandling, repeatLog } from './errors.ts';

async function appLogging() {
  const lines: { msg: string; level: number }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const app = Fastify({ logger: { level: 'info', stream } });
  registerErrorHandling(app);
  app.get('/full', async () => {
    throw new IngestError('OVERLOADED', 'the spool is full', { retryAfterS: 5 });
  });
  app.get('/bug', async () => {
    throw new Error('boom');
  });
  await app.ready();
  return { app, errors: () => lines.filter((l) => l.level >= 50) };
}

describe('logging of 5xx answers', () => {
  it('logs a run of 503 OVERLOADED once, while every request is still answered 503 with Retry-After', async () => {
    const { app, errors } = await appLogging();
    for (let i = 0; i < 50; i++) {
      const res = await app.inject({ url: '/full' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
    }
    expect(errors()).toHaveLength(1);
    expect(errors()[0]?.msg).toBe('request failed');
    await app.close();
  });

  it('logs every other 5xx', async () => {
    const { app, errors } = await appLogging();
    for (let i = 0; i < 3; i++) expect((await app.inject({ url: '/bug' })).statusCode).toBe(500);
    expect(errors()).toHaveLength(3);
    await app.close();
  });

  it('says, once the interval has passed, how many answers the next line stands for', () => {
    let t = 0;
    const said: string[] = [];
    const req = { log: { error: (_o: unknown, msg: string) => said.push(msg) } } as never;
    const log = repeatLog(() => t);
    for (let i = 0; i < 5; i++) log(req, new Error('full'), 'OVERLOADED');
    log(req, new Error('draining'), 'NOT_READY');
    t = REPEAT_LOG_MS;
    log(req, new Error('full'), 'OVERLOADED');
    expect(said).toEqual([
      'request failed',
      'request failed',
      'request failed (and 4 more OVERLOADED answers since the last report)',
    ]);
  });
});
