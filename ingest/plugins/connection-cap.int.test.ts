// server.maxConnections bounds the TCP connections each listener holds. Nothing bounded them: many clients
// (or one with many addresses) could hold sockets until the process ran out of file descriptors or memory.
// With the bound at 2, a third connection is closed on arrival, counted and logged, while the two it
// holds (each in the middle of a request) still get their answers; idle keep-alive connections are let go
// to make room for a connection that comes with a request.
import { connect, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Apps, buildApps } from '../app.ts';
import { createDataPathDouble } from '../testing/datapath-double.ts';
import { testDeps } from '../testing/deps.ts';

const MAX = 2;
let apps: Apps;
const logged: Record<string, unknown>[] = [];

beforeAll(async () => {
  const deps = await testDeps(createDataPathDouble(), { server: { maxConnections: MAX } });
  const stream = { write: (line: string) => logged.push(JSON.parse(line) as Record<string, unknown>) };
  apps = await buildApps(deps, { logger: { level: 'warn', stream } });
  await apps.app.listen({ host: '127.0.0.1', port: 0 });
  await apps.ops.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await apps?.app.close();
  await apps?.ops.close();
});

const portOf = (app: FastifyInstance) => (app.server.address() as { port: number }).port;

/** A raw connection: what it received, and a promise of its close. */
interface Conn {
  readonly socket: Socket;
  readonly received: () => string;
  readonly closed: Promise<void>;
}

function open(app: FastifyInstance): Promise<Conn> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = connect(portOf(app), '127.0.0.1');
    const closed = new Promise<void>((done) => socket.on('close', () => done()));
    socket.on('data', (d) => {
      text += String(d);
    });
    socket.on('error', () => undefined); // a connection closed on arrival may be reset: 'close' says it
    socket.once('connect', () => resolve({ socket, received: () => text, closed }));
    socket.once('error', reject);
  });
}

/** Resolves once `conn` has received a whole answer with `body` in it; fails if it is closed before. */
async function answered(conn: Conn, body: RegExp): Promise<string> {
  const closed = conn.closed.then(() => {
    if (!body.test(conn.received())) throw new Error(`closed without an answer: ${conn.received()}`);
  });
  while (!body.test(conn.received())) {
    await Promise.race([new Promise<void>((r) => conn.socket.once('data', () => r())), closed]);
  }
  return conn.received();
}

/** Waits until `app`'s listener holds exactly `n` connections (it counts one once it has accepted it). */
async function holding(app: FastifyInstance, n: number): Promise<void> {
  while ((await count(app)) !== n) await new Promise((r) => setImmediate(r));
}

const EVENT = JSON.stringify({ ename: 'signup', vid: '0b6b1b6e-0000-4000-8000-0000000000aa' });
/** A server event's request, all but its last byte: the request is in progress, the connection busy. */
const partial = (host: string) =>
  `POST /tr/v1/str/ HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
  `Content-Length: ${EVENT.length}\r\n\r\n${EVENT.slice(0, -1)}`;

/** The first connections the listener has taken: each has sent part of a request the listener read. */
async function busyConnections(app: FastifyInstance, n: number): Promise<Conn[]> {
  const conns: Conn[] = [];
  for (let i = 0; i < n; i++) {
    const conn = await open(app);
    conn.socket.write(partial('ingest.example'));
    conns.push(conn);
  }
  await holding(app, n);
  return conns;
}

const count = (app: FastifyInstance) =>
  new Promise<number>((resolve, reject) =>
    app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
  );

const refusals = async (listener: string) => {
  const res = await apps.ops.inject({ url: '/metrics' });
  const line = res.body
    .split('\n')
    .find((l) => l.startsWith(`tracker_connections_refused_total{listener="${listener}"}`));
  return Number(line?.split(' ')[1]);
};

describe('server.maxConnections on the public listener', () => {
  it('closes a third connection on arrival; the first two still get their answers', async () => {
    await holding(apps.app, 0);
    const held = await busyConnections(apps.app, MAX);
    const third = await open(apps.app);
    await third.closed;
    expect(third.received()).toBe('');

    for (const conn of held) {
      conn.socket.write(EVENT.slice(-1));
      expect(await answered(conn, /"eid":"[0-9a-f-]{36}"/)).toMatch(/^HTTP\/1\.1 200 /);
    }
    expect(await refusals('public')).toBe(1);
    expect(logged).toContainEqual(
      expect.objectContaining({ code: 'CONNECTIONS_REFUSED', listener: 'public', maxConnections: MAX }),
    );
    for (const conn of held) conn.socket.destroy();
    await Promise.all(held.map((c) => c.closed));
  });

  it('lets idle keep-alive connections go to make room', async () => {
    await holding(apps.app, 0);
    const idle: Conn[] = [];
    for (let i = 0; i < MAX; i++) {
      const conn = await open(apps.app);
      conn.socket.write('GET /health HTTP/1.1\r\nHost: ingest.example\r\n\r\n');
      await answered(conn, /"status":"ok"/);
      idle.push(conn);
    }
    // the one refused meanwhile has the idle ones closed: the next is answered
    const refused = await open(apps.app);
    await refused.closed;
    await Promise.all(idle.map((c) => c.closed));
    const next = await open(apps.app);
    next.socket.write('GET /health HTTP/1.1\r\nHost: ingest.example\r\nConnection: close\r\n\r\n');
    expect(await answered(next, /"status":"ok"/)).toMatch(/^HTTP\/1\.1 200 /);
    await next.closed;
  });
});

describe('server.maxConnections on the operations listener', () => {
  it('counts its own connections: a third is closed on arrival', async () => {
    const held = [await open(apps.ops), await open(apps.ops)];
    await holding(apps.ops, MAX);
    const third = await open(apps.ops);
    await third.closed;
    expect(third.received()).toBe('');
    expect(await refusals('ops')).toBe(1);
    for (const conn of held) conn.socket.destroy();
  });
});
