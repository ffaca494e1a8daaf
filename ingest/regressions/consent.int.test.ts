// A consent can be read back right after its 200: it answered 404 until the agreed batch was flushed.
// A consent naming a vid that is not a UUID was recorded, with a 200, for a new visitor id instead.
// Real HTTP, real data path with the agreed batch held for minutes, chdb.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Live, startLive } from '../testing/live.ts';

let live: Live;
beforeAll(async () => {
  live = await startLive({
    batching: {
      tables: {
        events: { strategy: 'time', maxDelayMs: 25 },
        agreed: { strategy: 'time', maxDelayMs: 600_000 },
        erasures: { strategy: 'immediate' },
      },
    },
  });
});
afterAll(() => live.close());

const agree = (body: object, headers: Record<string, string> = {}) =>
  fetch(`${live.url}/tr/v1/ppi/agree`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('consent', () => {
  it('is readable at once after its 200, before the agreed batch is flushed (read-your-write)', async () => {
    const vid = 'a9000000-0000-4000-8000-000000000010';
    expect((await agree({ vid, cflags: 3 })).status).toBe(200);
    const res = await fetch(`${live.url}/tr/v1/ppi/agree?vid=${vid}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      vid,
      cflags: 3,
      granted: ['necessary', 'analytics'],
      updated_at: expect.any(String),
    });
    expect(live.runtime.deps.dataPath.status().queues.agreed?.rows).toBe(1); // still queued, not stored
  });

  it('naming a vid that is not a UUID is a 400 naming it, and records nothing', async () => {
    const queued = () => live.runtime.deps.dataPath.status().queues.agreed?.rows;
    const before = queued();
    const res = await agree({ vid: 'visitor-42', cflags: 3 });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'BAD_REQUEST', message: 'body.vid: must be a UUID' });
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(queued()).toBe(before);
  });

  it('without a vid (absent, null or empty) records the consent for a new visitor', async () => {
    for (const vid of [undefined, null, '']) {
      const res = await agree({ vid, cflags: 1 });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        vid: expect.stringMatching(/^[0-9a-f-]{36}$/),
        token: expect.any(String),
      });
    }
  });
});
