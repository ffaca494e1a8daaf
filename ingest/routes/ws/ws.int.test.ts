// WebSocket with a real client over a real listener (data path TEST DOUBLE here; the functional suite
// repeats the JSON + LZ4 path against the real data path and asserts the store). An oversized or lying
// LZ4 frame is refused before anything large is allocated.
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { compressSync } from 'lz4-napi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp } from '../../app.ts';
import { IngestError } from '../../errors.ts';
import { createDataPathDouble, type DataPathDouble } from '../../testing/datapath-double.ts';
import { testDeps } from '../../testing/deps.ts';

let app: FastifyInstance;
let dp: DataPathDouble;
let url = '';

beforeAll(async () => {
  dp = createDataPathDouble();
  app = await buildApp(
    await testDeps(dp, {
      domains: { websocketOrigins: ['https://app.example'] },
      websocket: { maxFrameBytes: 64 * 1024, maxDecompressedBytes: 64 * 1024 },
      server: { maxBatchEvents: 3 },
      sites: { keys: [{ key: 'ws_site_key', oid: '0a000000-0000-4000-8000-0000000000d4' }] },
    }),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `ws://127.0.0.1:${(app.server.address() as { port: number }).port}/tr/v1/ws?app=web`;
});
afterAll(() => app.close());

function open(origin = 'https://app.example'): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

const next = (ws: WebSocket) =>
  new Promise<Record<string, unknown>>((resolve) =>
    ws.once('message', (d) => resolve(JSON.parse(String(d)))),
  );
const closed = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));

function lz4Frame(obj: unknown): Buffer {
  return compressSync(Buffer.from(JSON.stringify(obj)));
}

describe('WebSocket', () => {
  it('stores a JSON text frame and acks it with the event id', async () => {
    const ws = await open();
    ws.send(JSON.stringify({ ename: 'Click', ack: 1 }));
    const reply = await next(ws);
    expect(reply.ack).toBe(1);
    const row = dp.table('events').at(-1);
    expect(reply.eids).toEqual([row?.eid]);
    expect(row).toMatchObject({ ename: 'click', app: 'web' });
    ws.close();
  });

  it('stores an LZ4 binary frame (4-byte LE size + block, the Go tracker client format)', async () => {
    const ws = await open();
    ws.send(lz4Frame({ ename: 'scroll', depth: 80, ack: 'b' }));
    expect(await next(ws)).toMatchObject({ ack: 'b' });
    expect(dp.table('events').at(-1)).toMatchObject({ ename: 'scroll', params: { depth: 80 } });
    ws.close();
  });

  it('refuses a frame that declares a huge size before allocating, and closes 1009', async () => {
    const ws = await open();
    const lie = Buffer.alloc(16);
    lie.writeUInt32LE(0x7e000000, 0); // ~2.1 GB declared by a 16-byte frame
    const before = process.memoryUsage().arrayBuffers;
    ws.send(lie);
    expect(await closed(ws)).toBe(1009);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
  });

  it('answers a lying frame (declared size too small) with INVALID_FRAME and keeps the connection', async () => {
    const ws = await open();
    const frame = lz4Frame({ ename: 'x'.repeat(200) });
    frame.writeUInt32LE(10, 0);
    ws.send(frame);
    expect(await next(ws)).toMatchObject({ error: 'INVALID_FRAME' });
    ws.send(JSON.stringify({ ename: 'after', ack: 2 }));
    expect(await next(ws)).toMatchObject({ ack: 2 });
    ws.close();
  });

  // A client that asked for acks matches each answer to its frame by the ack id. Refusals of a frame's
  // shape were answered without it (the ack was read only once the shape was accepted), so the client
  // had to guess which frame an error belonged to.
  it.each([
    [
      'more events than server.maxBatchEvents',
      [{ ename: 'a', ack: 'many' }, {}, {}, {}],
      'many',
      'INVALID_FRAME',
    ],
    [
      'an array holding something that is not an event',
      [{ ename: 'a', ack: 'mixed' }, 'x'],
      'mixed',
      'INVALID_FRAME',
    ],
    ['an unknown site key', { ename: 'a', site_key: 'not_a_known_key', ack: 'key' }, 'key', 'UNAUTHORIZED'],
    ['a full spool', { ename: 'a', ack: 'full' }, 'full', 'OVERLOADED'],
  ])('answers a frame refused for %s with the ack id it was sent with', async (_why, frame, ack, error) => {
    if (error === 'OVERLOADED') dp.failWith(new IngestError('OVERLOADED', 'spool full'));
    const ws = await open();
    try {
      ws.send(lz4Frame(frame));
      expect(await next(ws)).toMatchObject({ ack, error });
    } finally {
      dp.failWith(undefined);
      ws.close();
    }
  });

  // A frame of `null` was stored as an event with nothing in it, an empty array taken in silence.
  it.each([
    ['null', 'frame must hold an event object or an array of them'],
    ['[]', 'frame: a batch holds at least one event (the array is empty)'],
    // regression: a batch over server.maxBatchEvents was told it held no event object
    [
      JSON.stringify(Array.from({ length: 4 }, () => ({ ename: 'x' }))),
      'frame: a batch holds at most 3 events',
    ],
  ])(
    'refuses the empty or oversized frame %s, stores nothing, and keeps the connection',
    async (frame, message) => {
      const before = dp.table('events').length;
      const ws = await open();
      ws.send(frame);
      expect(await next(ws)).toEqual({ error: 'INVALID_FRAME', message });
      ws.send(JSON.stringify({ ename: 'after_empty', ack: 9 }));
      expect(await next(ws)).toMatchObject({ ack: 9 });
      expect(
        dp
          .table('events')
          .slice(before)
          .map((e) => e.ename),
      ).toEqual(['after_empty']);
      ws.close();
    },
  );

  it('answers a frame that is not JSON without an ack id (there is none to read), in order', async () => {
    const ws = await open();
    const replies: unknown[] = [];
    ws.on('message', (d) => replies.push(JSON.parse(String(d))));
    ws.send('{"ename": "cut", "ack": 7');
    ws.send(JSON.stringify({ ename: 'after', ack: 8 }));
    await expect.poll(() => replies.length).toBe(2);
    expect(replies[0]).toEqual({ error: 'INVALID_FRAME', message: 'frame is not valid JSON' });
    expect(replies[1]).toMatchObject({ ack: 8 });
    ws.close();
  });

  it('closes a connection whose frame exceeds maxFrameBytes', async () => {
    const ws = await open();
    ws.send('x'.repeat(100 * 1024));
    expect(await closed(ws)).toBe(1009);
  });

  it('refuses origins not on the allow-list', async () => {
    await expect(open('https://evil.test')).rejects.toThrow(/403/);
  });

  it('answers an upgrade for any other path 404 and closes it, without running that route', async () => {
    const before = dp.table('events').length;
    const answer = await rawUpgrade('/tr/v1/tr/?ename=upgraded', HANDSHAKE);
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 404 Not Found');
    expect(bodyOf(answer)).toEqual({ error: 'NOT_FOUND', message: 'no WebSocket endpoint at this path' });
    expect(dp.table('events').length).toBe(before);
  });

  // The WebSocket library answered these in text/html of its own ("Missing or invalid Sec-WebSocket-Key
  // header"), unlike every other refusal of the ingest.
  it.each([
    ['no key', 'Upgrade: websocket\r\nSec-WebSocket-Version: 13', /Sec-WebSocket-Key/],
    ['a short key', 'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: abc', /Key/],
    [
      'another version',
      'Upgrade: websocket\r\nSec-WebSocket-Version: 7\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      /Version must be 13/,
    ],
    [
      'another protocol',
      'Upgrade: h2c\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      /Upgrade must be websocket/,
    ],
  ])('refuses a handshake with %s as 400 JSON and closes it', async (_what, headers, message) => {
    const answer = await rawUpgrade('/tr/v1/ws', headers);
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(answer).toMatch(/\r\nContent-Type: application\/json/);
    expect(bodyOf(answer)).toEqual({ error: 'BAD_REQUEST', message: expect.stringMatching(message) });
  });
});

const HANDSHAKE =
  'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==';

/** The whole answer to an upgrade request written by hand, once the server closed the connection. */
async function rawUpgrade(path: string, headers: string): Promise<string> {
  const port = (app.server.address() as { port: number }).port;
  const socket = connect(port, '127.0.0.1');
  socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n${headers}\r\n\r\n`);
  let answer = '';
  socket.on('data', (d) => {
    answer += String(d);
  });
  await new Promise((resolve) => socket.once('close', resolve));
  return answer;
}

const bodyOf = (answer: string): unknown => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));

// websocket.idleTimeoutMs was accepted and never read: an idle socket stayed open for good.
describe('an idle socket (websocket.idleTimeoutMs)', () => {
  let idleApp: FastifyInstance;
  let idleUrl = '';
  beforeAll(async () => {
    idleApp = await buildApp(await testDeps(createDataPathDouble(), { websocket: { idleTimeoutMs: 1000 } }));
    await idleApp.listen({ host: '127.0.0.1', port: 0 });
    idleUrl = `ws://127.0.0.1:${(idleApp.server.address() as { port: number }).port}/tr/v1/ws`;
  });
  afterAll(() => idleApp.close());

  const openIdle = () =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(idleUrl);
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  const closedWith = (ws: WebSocket) =>
    new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );

  it('is closed normally once it sent nothing for that long', async () => {
    const ws = await openIdle();
    expect(await closedWith(ws)).toEqual({ code: 1000, reason: 'idle timeout' });
  });

  it('is closed only after its frames are answered', async () => {
    const ws = await openIdle();
    const close = closedWith(ws);
    ws.send(JSON.stringify({ ename: 'before_idle', ack: 1 }));
    expect(await next(ws)).toMatchObject({ ack: 1, eids: [expect.any(String)] });
    expect(await close).toEqual({ code: 1000, reason: 'idle timeout' });
  });
});
