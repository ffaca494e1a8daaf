// A client that retries (after a timeout, a lost response, an offline queue) sends the same eid again;
// it was stored once per attempt. Now an event with a client eid is stored once within the dedup window
// (dedup.windowMs, in memory, reloaded from the events table at start), including across a restart
// with the first attempt still in the spool. Real HTTP, real data path, chdb.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../../store/index.ts';
import { type Live, startLive } from '../testing/live.ts';

// one embedded engine per process at a time: each restart closes the instance before the next opens
let live: Live;
beforeAll(async () => {
  live = await start();
});
afterAll(() => live.close());

// An event with a client eid waits for the window's reload at start, so a retry right after a restart is
// already checked against what was acknowledged before it.
const start = (config: Record<string, unknown> = {}, dir?: string): Promise<Live> => startLive(config, dir);

const send = (to: Live, body: unknown) =>
  fetch(`${to.url}/tr/v1/str/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const count = async (on: Live, eid: string) =>
  Number(
    (await on.rows<{ n: string }>('SELECT count() AS n FROM events WHERE eid = {eid:UUID}', { eid }))[0]?.n,
  );
/** Waits until a later marker event is stored: rows reach the store in append order. */
async function settled(on: Live): Promise<void> {
  const { eid } = (await (await send(on, { ename: 'marker' })).json()) as { eid: string };
  await expect.poll(() => count(on, eid), { timeout: 10_000 }).toBe(1);
}

describe('a retried client eid is stored once', () => {
  it('sent three times one after another, and three times at once', async () => {
    const a = 'e1d00000-0000-4000-8000-000000000001';
    for (let i = 0; i < 3; i++) {
      const res = await send(live, { eid: a, ename: 'retry', attempt: i });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ eid: a });
    }
    const b = 'e1d00000-0000-4000-8000-000000000002';
    const answers = await Promise.all(
      [0, 1, 2].map((i) => send(live, { eid: b, ename: 'retry', attempt: i })),
    );
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    await settled(live);
    expect(await count(live, a)).toBe(1);
    expect(await count(live, b)).toBe(1);
    const [first] = await live.rows<{ attempt: string }>(
      'SELECT toString(params.attempt) AS attempt FROM events WHERE eid = {eid:UUID}',
      { eid: a },
    );
    expect(first?.attempt).toBe('0'); // the first attempt is the one kept
  });

  it('repeated inside one batch, and a batch retried whole', async () => {
    const c = 'e1d00000-0000-4000-8000-000000000003';
    const d = 'e1d00000-0000-4000-8000-000000000004';
    const batch = [
      { eid: c, ename: 'b' },
      { eid: c, ename: 'b' },
      { eid: d, ename: 'b' },
    ];
    expect(await (await send(live, batch)).json()).toEqual({ eids: [c, c, d] });
    expect((await send(live, batch)).status).toBe(200);
    await settled(live);
    expect([await count(live, c), await count(live, d)]).toEqual([1, 1]);
  });

  it('across a restart, the first attempt delivered before the stop', async () => {
    const e = 'e1d00000-0000-4000-8000-000000000006';
    expect((await send(live, { eid: e, ename: 'before_restart' })).status).toBe(200);
    const dir = live.dir;
    await live.close(); // drains: the row is in the events table
    live = await start({}, dir);
    expect((await send(live, { eid: e, ename: 'after_restart' })).status).toBe(200);
    await settled(live);
    expect(await count(live, e)).toBe(1);
  });

  it('across a restart, the first attempt still in the spool when the process stopped', async () => {
    const dir = live.dir;
    await live.close();
    const hold = { batching: { tables: { events: { strategy: 'time', maxDelayMs: 600_000 } } } };
    const first = await start(hold, dir);
    const e = 'e1d00000-0000-4000-8000-000000000005';
    expect((await send(first, { eid: e, ename: 'before_restart' })).status).toBe(200);
    await first.close(0); // no time to deliver: the acknowledged row stays in the spool
    const stopped = await createStore({ kind: 'embedded', path: join(dir, 'chdb'), database: 'tracker' });
    const inStore = await stopped.query('SELECT 1 FROM events WHERE eid = {eid:UUID}', { eid: e });
    await stopped.close();
    expect(inStore).toEqual([]); // so the restart below recovers it from the spool
    live = await start({}, dir);
    expect((await send(live, { eid: e, ename: 'after_restart' })).status).toBe(200);
    await settled(live);
    expect(await count(live, e)).toBe(1);
  });

  it('an event without an eid is never taken for a retry', async () => {
    const answers = await Promise.all([0, 1, 2].map(() => send(live, { ename: 'no_eid' })));
    const eids = await Promise.all(answers.map(async (r) => ((await r.json()) as { eid: string }).eid));
    expect(new Set(eids).size).toBe(3);
  });
});
