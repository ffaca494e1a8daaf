// A WebSocket client that breaks the rules (a frame over websocket.maxFrameBytes, text that is not UTF-8)
// has its socket closed with the protocol's code, counted in tracker_ws_frames_total, and is not logged as
// an error of the server: each such frame was logged at error level with a stack trace, so any client
// could fill the error log. Real client over a real listener, data path TEST DOUBLE.
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApps } from '../../app.ts';
import { createDataPathDouble } from '../../testing/datapath-double.ts';
import { testDeps } from '../../testing/deps.ts';

let app: FastifyInstance;
let ops: FastifyInstance;
let url = '';
const levels: number[] = [];

beforeAll(async () => {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) levels.push(JSON.parse(line).level);
      done();
    },
  });
  const deps = await testDeps(createDataPathDouble(), { websocket: { maxFrameBytes: 4096 } });
  ({ app, ops } = await buildApps(deps, { logger: { level: 'info', stream } }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `ws://127.0.0.1:${(app.server.address() as { port: number }).port}/tr/v1/ws`;
});
afterAll(async () => {
  await app.close();
  await ops.close();
});

async function closeCodeAfter(frame: Buffer, binary: boolean): Promise<number> {
  const ws = new WebSocket(url);
  await new Promise((resolve) => ws.once('open', resolve));
  const closed = new Promise<number>((resolve) => ws.once('close', resolve));
  ws.send(frame, { binary });
  return closed;
}

async function counted(outcome: string): Promise<string | undefined> {
  const text = (await ops.inject({ url: '/metrics' })).body;
  return text
    .split('\n')
    .find((l) => l.startsWith(`tracker_ws_frames_total{kind="socket",outcome="${outcome}"}`));
}

describe('a WebSocket client that breaks the rules', () => {
  it.each([
    ['a frame over maxFrameBytes', 1009, 'BODY_TOO_LARGE', Buffer.alloc(8192, 0x61), false],
    ['a text frame that is not UTF-8', 1007, 'INVALID_FRAME', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), false],
  ])(
    '%s: closed %i, counted as %s, never logged as an error',
    async (_what, code, outcome, frame, binary) => {
      expect(await closeCodeAfter(frame, binary)).toBe(code);
      await expect.poll(() => counted(outcome)).toMatch(/ 1$/);
      expect(levels.filter((level) => level >= 50)).toEqual([]);
    },
  );
});
