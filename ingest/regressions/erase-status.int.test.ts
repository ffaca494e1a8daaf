// The status of an erase request outlives the erasure. Its `erasures` rows used to carry the visitor's vid
// and uid, so the erasure deleted its own record: once the in-memory status was gone (a restart, another
// replica answering the GET) `GET /ppi/forget/<id>` said "no such erase request", and until then the log of
// requests kept the id of the person who asked to be forgotten. Real HTTP, real data path, chdb.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Live, setCookies, startLive } from '../testing/live.ts';

let live: Live;
beforeAll(async () => {
  live = await startLive();
});
afterAll(() => live.close());

/** The status as stored (what a restarted process or another replica answers), or undefined. */
const storedStatus = async (id: string) =>
  (
    await live.rows<{ status: string }>('SELECT status FROM erasures FINAL WHERE request_id = {id:UUID}', {
      id,
    })
  )[0]?.status;

async function forget(vid: string, vtok: string): Promise<string> {
  const res = await live.post('/tr/v1/ppi/forget', { vid }, { cookie: `vid=${vid}; vtok=${vtok}` });
  expect(res.status).toBe(202);
  const { request_id } = (await res.json()) as { request_id: string };
  await expect.poll(() => storedStatus(request_id), { timeout: 20_000 }).toBe('done');
  return request_id;
}

describe('an erase request and its status', () => {
  it('keep the stored status after the visitor is erased again, and never name the visitor', async () => {
    const visit = await live.post('/tr/v1/tr/', { ename: 'page_view' }, { cookie: 'CookieConsent=3' });
    const { vid, vtok } = setCookies(visit);
    expect(vid).toMatch(/^[0-9a-f-]{36}$/);
    const first = await forget(vid ?? '', vtok ?? '');
    // a second erasure of the same visitor (or the later pass that catches rows still in flight) erases
    // every row holding its vid: the record of the first request must not be one of them
    await forget(vid ?? '', vtok ?? '');
    expect(await storedStatus(first)).toBe('done');
    const naming = await live.rows<{ n: string }>(
      'SELECT count() AS n FROM erasures WHERE vid = {vid:UUID}',
      { vid },
    );
    expect(Number(naming[0]?.n)).toBe(0);
  });

  // An operator had nothing to alert on: no metric counted erase requests, done or given up.
  it('are counted by status in tracker_erase_requests_total', async () => {
    const counted = async (status: string) => {
      const text = await (await fetch(`${live.opsUrl}/metrics`)).text();
      const line = text
        .split('\n')
        .find((l) => l.startsWith(`tracker_erase_requests_total{status="${status}"}`));
      return Number(line?.split(' ')[1] ?? 0);
    };
    const before = { pending: await counted('pending'), done: await counted('done') };
    const visit = await live.post('/tr/v1/tr/', { ename: 'page_view' }, { cookie: 'CookieConsent=3' });
    const { vid, vtok } = setCookies(visit);
    await forget(vid ?? '', vtok ?? '');
    expect(await counted('pending')).toBe(before.pending + 1);
    await expect.poll(() => counted('done')).toBe(before.done + 1);
    expect(await counted('failed')).toBe(0);
  });
});
