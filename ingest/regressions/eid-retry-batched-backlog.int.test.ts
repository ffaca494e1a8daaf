// A client's retry of an event acknowledged before a restart was stored a second time when the event
// came in a batched POST still in the JetStream spool at the restart. The client-eid window reloads the
// recent eids from the store once the recovered rows are stored; the spool said so after as many rows
// as it had recovered MESSAGES, and a batched POST is one message of many rows. So the window reloaded
// while the batch holding the event was still on its way to a slow store, did not know the eid, and let
// the retry in. Real HTTP, the real data path on a real nats-server, chdb.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type HeldStore, holdInsert } from '../datapath/testing/held-store.ts';
import { type Live, startLive } from '../testing/live.ts';

const running: Live[] = [];
let hold: HeldStore | undefined;
afterAll(async () => {
  hold?.release(); // a close waits for an insert in flight
  for (const live of running) await live.close();
});

/** Each POST is one append of BATCH events with client eids; the retried event is in the second. */
const BATCH = 20;
const clientEid = (i: number) => `e1d00000-0000-4000-8000-${String(1000 + i).padStart(12, '0')}`;
const RETRIED = clientEid(BATCH + 5);

const send = (to: Live, body: unknown) =>
  fetch(`${to.url}/tr/v1/str/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const batch = (b: number) =>
  Array.from({ length: BATCH }, (_v, k) => ({ eid: clientEid(b * BATCH + k), ename: 'b' }));
const count = async (on: Live, eid: string) =>
  Number(
    (await on.rows<{ n: string }>('SELECT count() AS n FROM events WHERE eid = {eid:UUID}', { eid }))[0]?.n,
  );
/** Waits until a later marker event is stored: rows reach the store in append order. */
async function settled(on: Live): Promise<void> {
  const { eid } = (await (await send(on, { ename: 'marker' })).json()) as { eid: string };
  await expect.poll(() => count(on, eid), { timeout: 30_000 }).toBe(1);
}

describe('a client retry after a restart, the first attempt in a batched POST still in the JetStream spool', () => {
  it('is acknowledged and not stored again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eid-backlog-'));
    const id = `${Date.now().toString(36)}`;
    const nats = { url: inject('natsUrl'), stream: `EIDS_${id}`, subjectPrefix: `eids.${id}` };
    const spool = { kind: 'nats', dir: join(dir, 'spool'), nats };
    const held = { spool, batching: { tables: { events: { strategy: 'time', maxDelayMs: 600_000 } } } };
    const first = await startLive(held, dir);
    for (const b of [0, 1, 2]) expect((await send(first, batch(b))).status).toBe(200);
    await first.close(0); // no time to deliver: the three appends stay in the stream

    // one POST per batch; the store takes the first and is slow with the one holding the retried event
    const oneAppendABatch = { spool, batching: { tables: { events: { maxRows: BATCH, maxDelayMs: 20 } } } };
    const live = await startLive(oneAppendABatch, dir, undefined, (real) => {
      hold = holdInsert(real, 'events', 2);
      return hold.store;
    });
    running.push(live);
    await hold?.held;
    hold?.release();

    const retry = await send(live, { eid: RETRIED, ename: 'b' });
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ eid: RETRIED });
    await settled(live);
    expect(await count(live, RETRIED)).toBe(1);
  });
});
