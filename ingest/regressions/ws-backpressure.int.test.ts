// A WebSocket client that never asks for acks (the Go tracker's browser client) and sends a burst of LZ4
// frames loses nothing: the server pauses reading instead of closing the socket (it closed with 1013
// and kept 147–256 of 300). Real WebSocket, real data path, the embedded engine.
import { compressSync } from 'lz4-napi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Live, startLive } from '../testing/live.ts';

let live: Live;
beforeAll(async () => {
  live = await startLive();
});
afterAll(() => live.close());

const count = async (sql: string) => Number((await live.rows<{ n: string }>(sql))[0]?.n ?? 0);

describe('WebSocket backpressure', () => {
  it('stores every frame of a 300-frame LZ4 burst sent without acks, and keeps the socket open', async () => {
    const ws = new WebSocket(`${live.url.replace('http', 'ws')}/tr/v1/ws`);
    await new Promise((r) => ws.once('open', r));
    const closes: number[] = [];
    ws.on('close', (code) => closes.push(code));
    const replies: unknown[] = [];
    ws.on('message', (d) => replies.push(JSON.parse(String(d))));
    for (let i = 0; i < 300; i++) {
      ws.send(compressSync(Buffer.from(JSON.stringify({ ename: 'burst', n: i, pad: 'x'.repeat(200) }))));
    }
    // a final frame with an ack: it is answered only after every earlier frame was stored, in order
    ws.send(JSON.stringify({ ename: 'burst_end', ack: 'last' }));
    await expect.poll(() => replies.length, { timeout: 60_000 }).toBe(1);
    expect(replies).toEqual([{ ack: 'last', eids: [expect.any(String)] }]);
    expect(closes).toEqual([]);
    ws.close();
    await expect
      .poll(() => count("SELECT count() AS n FROM events WHERE ename = 'burst'"), { timeout: 20_000 })
      .toBe(300);
    expect(await count("SELECT uniqExact(toInt64(params.n)) AS n FROM events WHERE ename = 'burst'")).toBe(
      300,
    );
  });
});
