// Closing the ingest (SIGTERM) with WebSocket frames still being stored: the plugin's own close ended every
// socket at once, so the frames a connection had read but not yet stored lost their acknowledgements (the
// client could not tell they were kept) and were stored after the data path's drain had begun, or never.
// Real sockets: the closing handshake is what is tested.
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp } from '../../app.ts';
import { type DataPathDouble, heldDataPath } from '../../testing/datapath-double.ts';
import { testDeps } from '../../testing/deps.ts';

const FRAMES = 5;

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Listens, and releases the held append once the app has begun to close (before the WebSocket hook). */
async function listening(dataPath: DataPathDouble, release: () => void): Promise<string> {
  app = await buildApp(await testDeps(dataPath));
  app.addHook('preClose', (done) => {
    release();
    done();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `ws://127.0.0.1:${(app.server.address() as { port: number }).port}/tr/v1/ws`;
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const names = (dp: DataPathDouble) =>
  dp
    .table('events')
    .map((r) => r.ename)
    .sort();
const sent = Array.from({ length: FRAMES }, (_, i) => `closing_${i}`);

describe('closing with WebSocket frames being stored', () => {
  it('stores and acknowledges every frame read, then closes the socket as going away', async () => {
    const { dataPath, firstInFlight, release } = heldDataPath();
    const ws = await open(await listening(dataPath, release));
    const acks: unknown[] = [];
    ws.on('message', (d) => acks.push(JSON.parse(String(d)).ack));
    const code = new Promise<number>((r) => ws.once('close', (c) => r(c)));
    for (const [i, ename] of sent.entries()) ws.send(JSON.stringify({ ename, ack: i }));
    await firstInFlight;

    await app?.close();
    const storedAtClose = names(dataPath);

    expect(acks).toEqual([0, 1, 2, 3, 4]);
    expect(storedAtClose).toEqual(sent);
    expect(await code).toBe(1001);
  });

  it('stores the frames of a client that went away before they were stored', async () => {
    const { dataPath, firstInFlight, release } = heldDataPath();
    const ws = await open(await listening(dataPath, release));
    for (const ename of sent) ws.send(JSON.stringify({ ename }));
    await firstInFlight;
    ws.terminate();

    await app?.close();

    expect(names(dataPath)).toEqual(sent);
  });
});
