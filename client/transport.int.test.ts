// The client's HTTP and WebSocket transports against the real ingest (real HTTP, the real data path on
// the embedded engine): what the client sends is what the ingest accepts and stores, with the client's
// eids; refusals come back final or retryable as the ingest meant them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPortUrl } from '../e2e/env/ports.ts';
import { type Live, startLive } from '../ingest/testing/live.ts';
import { uuid } from './src/ids.ts';
import { AGREE, type Ev } from './src/queue.ts';
import { httpTransport } from './src/transport.ts';
import { wsTransport } from './src/ws.ts';

const VID = '5d7c0a4e-1111-4aaa-8bbb-000000000001';

const event = (ename: string, extra: Ev = {}): Ev => ({
  eid: uuid(),
  ename,
  url: 'https://Shop.example/Pricing?plan=Pro',
  source: 'newsletter',
  cflags: 3,
  vid: VID,
  time: Date.now(),
  ...extra,
});

async function stored(live: Live, evs: readonly Ev[]) {
  const ids = evs.map((e) => String(e.eid));
  const query = () =>
    live.rows<{ id: string; ename: string; url: string; source: string; cflags: string; visitor: string }>(
      'SELECT toString(eid) AS id, ename, url, source, cflags, toString(vid) AS visitor FROM events ' +
        'WHERE eid IN {ids:Array(UUID)} ORDER BY id',
      { ids },
    );
  await expect.poll(async () => (await query()).length, { timeout: 20_000 }).toBe(ids.length);
  return query();
}

async function wsFrames(live: Live, kind: string): Promise<number> {
  const text = await (await fetch(`${live.opsUrl}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`tracker_ws_frames_total{kind="${kind}",outcome="stored"}`));
  return Number(line?.split(' ').pop() ?? 0);
}

describe('client transports against the real ingest', () => {
  let live: Live;
  beforeAll(async () => {
    live = await startLive({ server: { maxBatchEvents: 5 } });
  });
  afterAll(async () => {
    await live?.close();
  });

  it('HTTP: a batch is stored once per event, with the client eids, cflags and untouched URLs', async () => {
    const evs = [event('page_view'), event('signup', { plan: 'pro' }), event('click')];
    expect(await httpTransport(live.url, false).send(evs)).toEqual({ ok: true });
    const rows = await stored(live, evs);
    expect(rows.map((r) => r.id).sort()).toEqual(evs.map((e) => e.eid).sort());
    for (const r of rows) {
      expect(r).toMatchObject({
        url: 'https://Shop.example/Pricing?plan=Pro',
        source: 'newsletter',
        visitor: VID,
      });
      expect(Number(r.cflags)).toBe(3);
    }
  });

  it('HTTP: a batch the ingest refuses as bad input is final, with its error code and message', async () => {
    const tooMany = Array.from({ length: 6 }, () => event('x'));
    expect(await httpTransport(live.url, false).send(tooMany)).toEqual({
      ok: false,
      final: true,
      error: 'BAD_REQUEST',
      message: 'body: a batch holds at most 5 events',
    });
  });

  // A consent record batched into the events route would be stored as an event, not as a consent.
  it('a consent record goes to /ppi/agree, over HTTP with either transport, and is stored as a consent', async () => {
    const framesBefore = await wsFrames(live, 'lz4');
    const vids = [uuid(), uuid()];
    const record = (vid: string): Ev => ({ vid, cflags: 5, url: 'https://shop.example/consent', [AGREE]: 1 });
    const ws = wsTransport(live.url, httpTransport(live.url, false));
    expect(await httpTransport(live.url, false).send([record(vids[0]!)])).toEqual({ ok: true });
    expect(await ws.send([record(vids[1]!)])).toEqual({ ok: true });
    ws.close();
    for (const vid of vids) {
      const res = await fetch(`${live.url}/tr/v1/ppi/agree?vid=${vid}`);
      expect(await res.json()).toMatchObject({ vid, cflags: 5 });
    }
    expect(await wsFrames(live, 'lz4')).toBe(framesBefore);
  });

  it('HTTP: nothing listening is a retryable failure', async () => {
    const dead = await closedPortUrl();
    expect(await httpTransport(dead, false).send([event('x')])).toEqual({ ok: false });
  });

  it('WebSocket: LZ4 frames are acknowledged once durable and stored with the client eids', async () => {
    const before = await wsFrames(live, 'lz4');
    const t = wsTransport(live.url, httpTransport(live.url, false));
    const first = [event('ws_a'), event('ws_b')];
    const second = [event('ws_c')];
    expect(await Promise.all([t.send(first), t.send(second)])).toEqual([{ ok: true }, { ok: true }]);
    t.close();
    const rows = await stored(live, [...first, ...second]);
    expect(rows.map((r) => r.ename).sort()).toEqual(['ws_a', 'ws_b', 'ws_c']);
    expect((await wsFrames(live, 'lz4')) - before).toBe(2);
  });

  it('WebSocket: a frame the ingest refuses is final, with its error code and message, and only that frame', async () => {
    // the refusal of an oversized batch carries the frame's ack id, like every answer to a readable frame
    const t = wsTransport(live.url, httpTransport(live.url, false));
    const tooMany = Array.from({ length: 6 }, () => event('x'));
    const fine = [event('ws_after_refusal')];
    expect(await Promise.all([t.send(tooMany), t.send(fine)])).toEqual([
      { ok: false, final: true, error: 'INVALID_FRAME', message: 'frame: a batch holds at most 5 events' },
      { ok: true },
    ]);
    t.close();
    await stored(live, fine);
  });
});

describe('client WebSocket transport when the socket is refused', () => {
  let live: Live;
  beforeAll(async () => {
    live = await startLive({ domains: { websocketOrigins: ['https://only.example'] } });
  });
  afterAll(async () => {
    await live?.close();
  });

  it('falls back to HTTP: the batch is stored all the same, and no frame was used', async () => {
    const t = wsTransport(live.url, httpTransport(live.url, false));
    const evs = [event('fallback')];
    expect(await t.send(evs)).toEqual({ ok: true });
    await stored(live, evs);
    expect(await wsFrames(live, 'lz4')).toBe(0);
    t.close();
  });
});
