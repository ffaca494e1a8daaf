// A request from an origin cors.origins does not list is handled without the allow-origin header: its
// browser cannot read the answer, and the browser client sends it again for ever. Nothing said so; the
// first request from each such origin is now logged at warn, naming cors.origins.
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { Config } from '../config.ts';
import { registerCors } from './cors.ts';

/** An app with CORS for `origins`, and the warn lines its logger wrote. */
function appLogging(origins: string[]) {
  const lines: { level: number; origin?: string; msg: string }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const app = Fastify({ logger: { level: 'warn', stream } });
  registerCors(app, { cors: { origins, credentials: false } } as unknown as Config);
  app.post('/tr/v1/tr/', async () => ({ ok: true }));
  return { app, warnings: () => lines.filter((l) => l.level === 40) };
}

describe('an origin not in cors.origins', () => {
  it('is warned about once per origin, naming cors.origins; a listed origin never', async () => {
    const { app, warnings } = appLogging(['https://shop.example']);
    const post = (origin: string) =>
      app.inject({ method: 'POST', url: '/tr/v1/tr/', headers: { origin }, payload: {} });
    for (const origin of ['https://shop.example', 'https://other.example', 'https://other.example']) {
      const res = await post(origin);
      expect(res.statusCode).toBe(200);
    }
    await post('https://third.example');
    expect(warnings().map((w) => w.origin)).toEqual(['https://other.example', 'https://third.example']);
    expect(warnings()[0]?.msg).toMatch(/cors\.origins/);
    await app.close();
  });
});
