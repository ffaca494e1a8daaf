// An erase request the ingest accepted (202) and then could not run because it stopped first (a deploy's
// SIGTERM, a crash, a closing process) stayed `pending` for good: nothing resumed it, so the person who
// asked to be forgotten was never erased. It is journaled before the answer and resumed at the next start.
// The visitor's events are held in the spool (10 minutes' batching delay) so the erasure cannot run
// before the stop: it waits for them. Real HTTP, real data path, chdb; in process and as a real process.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ingestProcess } from '../../e2e/browser/ingest-process.ts';
import { post, statusOf, visitor } from '../testing/erase-http.ts';
import { type Live, startLive } from '../testing/live.ts';

const HELD = { batching: { tables: { events: { strategy: 'time', maxDelayMs: 600_000 } } } };
const JOURNAL = ['state', 'erasures'];

/** Asks for the visitor's erasure, as the visitor: the request id of the 202. */
async function forget(base: string, v: { vid: string; vtok: string }): Promise<string> {
  const res = await post(`${base}/tr/v1/ppi/forget`, { vid: v.vid }, `vid=${v.vid}; vtok=${v.vtok}`);
  expect(res.status).toBe(202);
  return ((await res.json()) as { request_id: string }).request_id;
}

const COUNT = 'SELECT count() AS n FROM events WHERE vid = {vid:UUID}';

describe('an erase request accepted, then the ingest stops before it runs', () => {
  let live: Live | undefined;
  afterEach(async () => {
    await live?.close();
    live = undefined;
  });

  it('is run after the restart: done, the visitor’s rows gone, the journal emptied', async () => {
    live = await startLive(HELD);
    const { dir } = live;
    const erased = await visitor(live.url);
    const kept = await visitor(live.url);
    const id = await forget(live.url, erased);
    expect(readdirSync(join(dir, ...JOURNAL))).toEqual([`${id}.json`]);
    // no grace: the events stay in the spool, and the erasure waiting for them never ran
    await live.close(0);
    live = await startLive({}, dir);
    await expect.poll(() => statusOf(live!.url, id), { timeout: 30_000 }).toBe('done');
    const count = async (vid: string) => Number((await live!.rows<{ n: string }>(COUNT, { vid }))[0]?.n);
    expect(await count(erased.vid)).toBe(0);
    // the other visitor's event, spooled as long, is stored: the erased one was there to erase
    await live.runtime.deps.dataPath.settled(['events']);
    expect(await count(kept.vid)).toBe(1);
    // the entry, the last copy of the person's id, goes once the second pass has run
    await expect.poll(() => readdirSync(join(dir, ...JOURNAL)), { timeout: 40_000 }).toEqual([]);
  });
});

describe.each(['SIGKILL', 'SIGTERM'] as const)(
  'the ingest process ended by %s right after the 202',
  (signal) => {
    it('erases the visitor once started again', async () => {
      const ingest = await ingestProcess(HELD);
      try {
        await ingest.start();
        const erased = await visitor(ingest.url);
        const kept = await visitor(ingest.url);
        const id = await forget(ingest.url, erased);
        await (signal === 'SIGKILL' ? ingest.crash() : ingest.stop());
        await ingest.start();
        await expect.poll(() => statusOf(ingest.url, id), { timeout: 30_000 }).toBe('done');
        const count = async (vid: string) =>
          Number((await ingest.query<{ n: string }>(COUNT, { vid }))[0]?.n);
        expect(await count(erased.vid)).toBe(0);
        // done waited for every row spooled before the request: the other visitor's event is stored
        expect(await count(kept.vid)).toBe(1);
      } finally {
        await ingest.stop();
      }
    });
  },
);
