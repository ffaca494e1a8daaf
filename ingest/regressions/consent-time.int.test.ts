// A consent record was stored with the time it arrived as its created_at: a decision the browser queued
// while the ingest was down carried the delivery time, not the time the visitor decided. The client's time
// is now taken within the clock skew, as for events, and the arrival stays in updated_at.
// Real HTTP, real data path, chdb.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chTime } from '../model/time.ts';
import { type Live, startLive } from '../testing/live.ts';

const SKEW_MS = 10 * 60_000;

interface Stored {
  created_at: string;
  updated_at: string;
}

describe('a consent record carrying the time of the decision', () => {
  let live: Live;
  beforeAll(async () => {
    live = await startLive({ privacy: { clockSkewMs: SKEW_MS } });
  });
  afterAll(() => live.close());

  const record = async (vid: string, time: number | string): Promise<Stored> => {
    const res = await live.post('/tr/v1/ppi/agree', { vid, cflags: 1, time });
    expect(res.status).toBe(200);
    const row = async () =>
      (
        await live.rows<Stored>(
          'SELECT toString(created_at) AS created_at, toString(updated_at) AS updated_at FROM agreed WHERE vid = {vid:UUID}',
          { vid },
        )
      )[0];
    await expect.poll(row, { timeout: 10_000 }).toBeDefined();
    return (await row()) as Stored;
  };

  it('within the skew: created_at is the decision, updated_at the arrival', async () => {
    const decided = Date.now() - SKEW_MS / 2;
    const sent = Date.now();
    const row = await record('a9000000-0000-4000-8000-000000000021', decided);
    expect(row.created_at).toBe(chTime(decided));
    expect(row.updated_at >= chTime(sent)).toBe(true);
  });

  it('as ISO 8601 too, as events take it', async () => {
    const decided = Date.now() - SKEW_MS / 2;
    const row = await record('a9000000-0000-4000-8000-000000000022', new Date(decided).toISOString());
    expect(row.created_at).toBe(chTime(decided));
  });

  it('outside the skew: the server time, as for an event (a wrong clock cannot move it)', async () => {
    const sent = Date.now();
    const row = await record('a9000000-0000-4000-8000-000000000023', sent - 2 * SKEW_MS);
    expect(row.created_at).toBe(row.updated_at);
    expect(row.created_at >= chTime(sent)).toBe(true);
  });
});
