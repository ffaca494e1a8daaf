// Closing the ingest (SIGTERM) while requests are in flight: Node's server.close() drops only the connections
// idle at that moment, so a keep-alive connection busy then stayed open after its answers, and close() waited
// for the client's keep-alive to end (65 s) while the drain deadline ran out. Real sockets: inject() has no
// connections to close.
import { connect, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';
import { heldDataPath } from './testing/datapath-double.ts';
import { testDeps } from './testing/deps.ts';

let app: FastifyInstance | undefined;
afterAll(() => app?.close());

const request = (n: number) => {
  const body = JSON.stringify({ ename: `closing_${n}` });
  return `POST /tr/v1/str/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
};

/** Everything the server wrote until it closed the connection. */
const untilClosed = (socket: Socket): Promise<string> =>
  new Promise((resolve, reject) => {
    let out = '';
    socket.on('data', (d) => {
      out += String(d);
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(out));
  });

describe('closing with requests in flight on a keep-alive connection', () => {
  it('answers them, stores their events, then closes the connection once it is idle', async () => {
    const { dataPath, firstInFlight, release } = heldDataPath();
    app = await buildApp(await testDeps(dataPath));
    let closeStarted!: () => void;
    const closing = new Promise<void>((r) => {
      closeStarted = r;
    });
    app.addHook('preClose', (done) => {
      closeStarted();
      done();
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };

    const socket = connect(port, '127.0.0.1');
    const answers = untilClosed(socket);
    socket.write(request(1) + request(2));
    await firstInFlight;
    const closed = app.close();
    await closing;
    release();
    await closed;

    const statuses = [...(await answers).matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
    expect(statuses).toEqual(['200', '200']);
    expect(
      dataPath
        .table('events')
        .map((r) => r.ename)
        .sort(),
    ).toEqual(['closing_1', 'closing_2']);
  });
});
