// An acknowledged event is a row in the store, never a dead letter: the inputs that answered 200 and were
// then refused by the engine (lone surrogates, a dotted key colliding with its nested spelling, nesting
// deeper than the engine reads) are normalised or refused BEFORE the acknowledgement. Real HTTP, real
// data path, the embedded engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Live, startLive } from '../testing/live.ts';

let live: Live;
beforeAll(async () => {
  live = await startLive();
});
afterAll(() => live.close());

const post = (path: string, body: string, type = 'application/json') =>
  fetch(live.url + path, { method: 'POST', headers: { 'content-type': type }, body });
const deadLetters = () => live.runtime.deps.dataPath.status().deadLetters;
const stored = async (eid: string) =>
  (
    await live.rows<{ params: string; ename: string }>(
      'SELECT ename, toJSONString(params) AS params FROM events WHERE eid = {eid:UUID}',
      { eid },
    )
  )[0];

function nested(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

describe('an acknowledged event is stored, not dead-lettered', () => {
  it('a lone UTF-16 surrogate (text cut inside an emoji) is stored as U+FFFD', async () => {
    const res = await post('/tr/v1/str/', '{"ename":"cut","title":"buy now \\ud83d","\\udc00k":1}');
    expect(res.status).toBe(200);
    const { eid } = (await res.json()) as { eid: string };
    await expect.poll(() => stored(eid), { timeout: 10_000 }).toBeDefined();
    expect(JSON.parse((await stored(eid))?.params ?? '{}')).toEqual({
      title: 'buy now \ufffd',
      '\ufffdk': 1,
    });
    expect(deadLetters()).toBe(0);
  });

  it('a dotted key and the same path nested are one path: the later spelling is stored', async () => {
    const res = await post(
      '/tr/v1/str/',
      '{"ename":"paths","params":{"page.title":"x","page":{"title":"y"}}}',
    );
    expect(res.status).toBe(200);
    const { eid } = (await res.json()) as { eid: string };
    await expect.poll(() => stored(eid), { timeout: 10_000 }).toBeDefined();
    expect(JSON.parse((await stored(eid))?.params ?? '{}')).toEqual({ page: { title: 'y' } });
    expect(deadLetters()).toBe(0);
  });

  it('integers beyond 64 bits are stored (as Float64)', async () => {
    const res = await post(
      '/tr/v1/str/',
      '{"ename":"huge","n":18446744073709551616,"m":-9223372036854775809}',
    );
    const { eid } = (await res.json()) as { eid: string };
    await expect.poll(() => stored(eid), { timeout: 10_000 }).toBeDefined();
    expect(deadLetters()).toBe(0);
  });

  it('params nested deeper than the limit are refused with 400 and nothing is queued', async () => {
    const res = await post('/tr/v1/str/', `{"ename":"deep","params":${nested(1000)}}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'BAD_REQUEST', message: 'JSON nested deeper than 64 levels' });
    expect(deadLetters()).toBe(0);
  });
});

describe('a body nested thousands of levels deep is a 400 from every entry point, never a 500', () => {
  const body = nested(5000);
  it.each([
    ['single event', body],
    ['batch', `[${body}]`],
  ])('HTTP %s', async (_name, text) => {
    for (const type of ['application/json', 'text/plain']) {
      const res = await post('/tr/v1/tr/', text, type);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(/nested deeper than 64/);
    }
  });

  it('WebSocket', async () => {
    const ws = new WebSocket(`${live.url.replace('http', 'ws')}/tr/v1/ws`);
    await new Promise((r) => ws.once('open', r));
    const reply = new Promise<Record<string, unknown>>((r) =>
      ws.once('message', (d) => r(JSON.parse(String(d)))),
    );
    ws.send(body);
    expect(await reply).toEqual({ error: 'INVALID_FRAME', message: 'JSON nested deeper than 64 levels' });
    ws.close();
  });
});
