// Each server of the test environment, given a port another process holds (as happens when one binds the port
// freePort() had just closed), starts again on a fresh port and comes up: before, it died of "address already
// in use" and the whole suite failed to start. The servers are the real ones; only freePort() is replaced, to
// hand out the held port first whenever a test arms it.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ApiServer, startApiServer } from './apiserver.ts';
import { startControllerManager, startKwok, startScheduler } from './controllers.ts';
import { startEtcd } from './etcd.ts';
import { startNats } from './nats.ts';
import type { ManagedProcess } from './process.ts';

const collide = vi.hoisted(() => ({ held: 0, next: false }));

vi.mock('./ports.ts', async (original) => {
  const real = await original<typeof import('./ports.ts')>();
  return {
    ...real,
    freePort: async () => {
      if (!collide.next) return real.freePort();
      collide.next = false;
      return collide.held;
    },
  };
});

const dir = mkdtempSync(join(tmpdir(), 'port-collision-'));
const running: ManagedProcess[] = [];
let holder: Server;
let api: ApiServer;

// The holder accepts connections and never answers, the worst a process that took a server's port can do:
// a readiness probe must give up on it rather than wait forever.
const accepted = new Set<Socket>();

beforeAll(async () => {
  holder = createServer((socket) => {
    accepted.add(socket);
    socket.on('close', () => accepted.delete(socket));
  });
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  collide.held = (holder.address() as { port: number }).port;
});

afterAll(async () => {
  for (const p of running.reverse()) await p.stop();
  for (const socket of accepted) socket.destroy();
  await new Promise((resolve) => holder.close(resolve));
});

/** Starts `server` with the held port as the first one it is given; returns its process. */
async function startColliding(server: () => Promise<ManagedProcess>): Promise<ManagedProcess> {
  collide.next = true;
  const proc = await server();
  running.push(proc);
  expect(collide.next).toBe(false);
  return proc;
}

/** The server's log says its first start found the held port taken; the running one is its next start. */
function expectTakenThenUp(proc: ManagedProcess): void {
  const log = readFileSync(proc.logFile, 'utf8');
  expect(log).toMatch(new RegExp(`:${collide.held}\\b.*address already in use`));
  expect(proc.exited()).toBeUndefined();
}

describe('a server of the test environment whose port was taken', () => {
  it('etcd starts again on fresh ports, then kube-apiserver on it', async () => {
    const etcd = await startEtcd(dir);
    running.push(etcd.process);
    const proc = await startColliding(async () => {
      api = await startApiServer(dir, etcd.endpoint);
      return api.process;
    });
    expectTakenThenUp(proc);
    expect(api.port).not.toBe(collide.held);
    // etcd itself, the same way (a second one, in its own directory)
    mkdirSync(join(dir, 'second'));
    const second = await startColliding(async () => (await startEtcd(join(dir, 'second'))).process);
    expectTakenThenUp(second);
  });

  it('kube-controller-manager, kube-scheduler and kwok', async () => {
    for (const start of [startControllerManager, startScheduler, startKwok])
      expectTakenThenUp(await startColliding(() => start(dir, api)));
  });

  it('nats-server', async () => {
    expectTakenThenUp(await startColliding(async () => (await startNats(dir)).process));
  });
});
