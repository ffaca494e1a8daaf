// Sockets per client are bounded (websocket.maxConnectionsPerClient). One address opened 2000 sockets,
// about 30 KB each, and the ingest held them all. A real client over a real listener (data path TEST
// DOUBLE); a second client is another loopback address.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp } from '../../app.ts';
import { createDataPathDouble } from '../../testing/datapath-double.ts';
import { testDeps } from '../../testing/deps.ts';

const MAX = 3;
let app: FastifyInstance;
let base = '';
beforeAll(async () => {
  app = await buildApp(
    await testDeps(createDataPathDouble(), { websocket: { maxConnectionsPerClient: MAX } }),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `127.0.0.1:${(app.server.address() as { port: number }).port}/tr/v1/ws`;
});
afterAll(() => app.close());

type Opened = { ws: WebSocket } | { status: number; retryAfter?: string; body: string };
function open(localAddress = '127.0.0.1'): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${base}`, { localAddress });
    ws.once('open', () => resolve({ ws }));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body }),
      );
    });
  });
}
const socketOf = (o: Opened) => {
  if (!('ws' in o)) throw new Error(`refused ${o.status}: ${o.body}`);
  return o.ws;
};

describe('WebSocket connections per client', () => {
  it(`admits ${MAX} sockets from one client, refuses one more with 429, and admits again once one closes`, async () => {
    const sockets = [];
    for (let i = 0; i < MAX; i++) sockets.push(socketOf(await open()));
    const refused = await open();
    expect(refused).toMatchObject({ status: 429, retryAfter: '1' });
    expect(JSON.parse((refused as { body: string }).body)).toEqual({
      error: 'RATE_LIMITED',
      message: `too many WebSocket connections from this client (websocket.maxConnectionsPerClient: ${MAX})`,
    });
    // another client is not affected, and a plain GET holds no socket
    const other = socketOf(await open('127.0.0.2'));
    expect((await fetch(`http://${base}`)).status).toBe(426);
    sockets.pop()?.close();
    await expect
      .poll(async () => {
        const again = await open();
        if ('ws' in again) sockets.push(again.ws);
        return 'ws' in again;
      })
      .toBe(true);
    for (const ws of [...sockets, other]) ws.close();
  });
});
