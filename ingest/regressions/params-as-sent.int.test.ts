// Every key that fits no column is kept in `params` as sent. Strings that looked like dates were not: the
// engine guessed a date for them and stored its own reading ("12/04/2026" as "2026-04-12 00:00:00", a
// client time "2026-02-30" as "2026-03-02"). Real HTTP, real data path, chdb.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Live, startLive } from '../testing/live.ts';

let live: Live;
beforeAll(async () => {
  live = await startLive();
});
afterAll(() => live.close());

it('stores strings that look like dates in params exactly as sent', async () => {
  const sent = {
    ename: 'dates_as_sent',
    created_at: '2026-02-30',
    ship_on: '12/04/2026',
    version: '1.5',
    launch: 'Dec 4 2026',
    month: '2026-13-01',
    day: '2026-12-04',
  };
  const res = await live.post('/tr/v1/str/', sent);
  expect(res.status).toBe(200);
  const { eid } = (await res.json()) as { eid: string };
  const params = async () =>
    (
      await live.rows<{ p: string }>('SELECT toJSONString(params) AS p FROM events WHERE eid = {eid:UUID}', {
        eid,
      })
    )[0]?.p;
  await expect.poll(params, { timeout: 10_000 }).toBeDefined();
  const { ename: _, ...kept } = sent;
  expect(JSON.parse((await params()) as string)).toEqual(kept);
});
