// An erase request by email erased only the events carrying the email's hash (the signup that sent it):
// the same person's page views before and after, their visitor and session rows and their consent,
// all stored under the vid and uid that event carried, stayed, and the request said done. Real HTTP,
// real data path, chdb.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../auth/api-keys.ts';
import { statusOf } from '../testing/erase-http.ts';
import { type Live, startLive } from '../testing/live.ts';

const OID = '0a000000-0000-4000-8000-00000000e001';
let live: Live;
let key: string;
beforeAll(async () => {
  const k = await newApiKey(OID, 'acme');
  key = k.key;
  live = await startLive({
    apiKeys: { keys: [{ id: k.entry.keyId, oid: k.entry.oid, org: k.entry.org, hash: k.entry.hash }] },
  });
});
afterAll(() => live.close());

const VID = 'a9000000-0000-4000-8000-00000000e0a1';
const UID = 'a9000000-0000-4000-8000-00000000e0b1';
const OTHER = 'a9000000-0000-4000-8000-00000000e0c1';

const countOf = async (table: string, vid: string) =>
  Number(
    (await live.rows<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE vid = {vid:UUID}`, { vid }))[0]
      ?.n,
  );

describe('an erase request by email', () => {
  it("reaches the person's other rows: those of the vid and uid its events carried", async () => {
    const send = (body: object) => live.post('/tr/v1/str/', { oid: OID, ...body });
    expect((await send({ vid: VID, ename: 'page_view' })).status).toBe(200);
    expect((await send({ vid: VID, uid: UID, ename: 'signup', email: 'Dana@Example.com' })).status).toBe(200);
    expect((await send({ vid: OTHER, uid: UID, ename: 'login' })).status).toBe(200);
    expect((await send({ vid: OTHER, ename: 'page_view' })).status).toBe(200);
    expect((await live.post('/tr/v1/ppi/agree', { vid: VID, oid: OID, cflags: 3 })).status).toBe(200);
    // someone else's rows, which must stay
    expect((await send({ vid: 'a9000000-0000-4000-8000-00000000e0d1', ename: 'page_view' })).status).toBe(
      200,
    );
    await expect.poll(() => countOf('agreed', VID), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => countOf('events', OTHER), { timeout: 10_000 }).toBe(2);

    const res = await live.post(
      '/tr/v1/ppi/forget',
      { email: 'dana@example.com' },
      { authorization: `Bearer ${key}` },
    );
    expect(res.status).toBe(202);
    const { request_id, tables } = (await res.json()) as { request_id: string; tables: string[] };
    expect(tables).toEqual(
      expect.arrayContaining(['events', 'visitors', 'sessions', 'agreed', 'agreements']),
    );
    await expect.poll(() => statusOf(live.url, request_id), { timeout: 30_000 }).toBe('done');

    for (const table of ['events', 'visitors', 'sessions', 'reqs', 'agreed', 'agreements'])
      for (const vid of [VID, OTHER])
        expect({ table, vid, n: await countOf(table, vid) }).toEqual({ table, vid, n: 0 });
    const byUid = await live.rows<{ n: string }>('SELECT count() AS n FROM events WHERE uid = {uid:UUID}', {
      uid: UID,
    });
    expect(Number(byUid[0]?.n)).toBe(0);
    expect(await countOf('events', 'a9000000-0000-4000-8000-00000000e0d1')).toBe(1);
  });
});
