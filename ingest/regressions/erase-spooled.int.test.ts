// An erase request made while the visitor's last events are still in the spool (acknowledged, not yet
// inserted): its status used to say done after a delete that ran before those rows were stored, and they
// landed after it (until a later pass, if the store was back by then). It is done only once the rows
// acknowledged before it are stored and erased. Real HTTP, real data path, chdb.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Live, setCookies, startLive } from '../testing/live.ts';

let live: Live;
beforeAll(async () => {
  // events wait 3 s in the spool before their insert: the erase request arrives before it
  live = await startLive({ batching: { tables: { events: { strategy: 'time', maxDelayMs: 3_000 } } } });
});
afterAll(() => live.close());

const status = async (id: string) =>
  ((await (await fetch(`${live.url}/tr/v1/ppi/forget/${id}`)).json()) as { status: string }).status;

describe('an erase request while the visitor’s events are still spooled', () => {
  it('is done only after those events are stored, and erases them', async () => {
    const visit = await live.post('/tr/v1/tr/', { ename: 'page_view' }, { cookie: 'CookieConsent=3' });
    const { vid, vtok } = setCookies(visit);
    expect(vid).toMatch(/^[0-9a-f-]{36}$/);
    const res = await live.post('/tr/v1/ppi/forget', { vid }, { cookie: `vid=${vid}; vtok=${vtok}` });
    expect(res.status).toBe(202);
    const { request_id } = (await res.json()) as { request_id: string };
    expect(await status(request_id)).toBe('pending');
    await expect.poll(() => status(request_id), { timeout: 20_000 }).toBe('done');
    // whatever was acknowledged before the request is in the store by now…
    await live.runtime.deps.dataPath.settled(['events']);
    // …and none of it is the visitor's
    const rows = await live.rows<{ n: string }>('SELECT count() AS n FROM events WHERE vid = {vid:UUID}', {
      vid,
    });
    expect(Number(rows[0]?.n)).toBe(0);
  });
});
