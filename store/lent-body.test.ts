import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { type ClientRequest, createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ClickHouseStore } from './clickhouse.ts';
import type { BodyBuffers } from './contract.ts';
import { BufferShelf, LentBody } from './lent-body.ts';

const MiB = 1024 * 1024;
/** Piece i of a body: every byte says which piece it belongs to, so a piece overwritten early shows. */
const fill = (b: Buffer, i: number, bytes: number) => b.fill(`${i % 251},`, 0, bytes).subarray(0, bytes);

/** A reader as the spool's: each piece read into a buffer the store lends, `pieces` of `bytes`. */
const reader = (pieces: number, bytes: number) =>
  async function* (buffers?: BodyBuffers) {
    for (let i = 0; i < pieces; i++) {
      yield fill(buffers?.lend(bytes) ?? Buffer.allocUnsafe(bytes), i, bytes);
      // a turn of the event loop per piece, as a read from a file takes
      await new Promise((resolve) => setImmediate(resolve));
    }
  };

const expected = (pieces: number, bytes: number) => {
  const hash = createHash('sha256');
  for (let i = 0; i < pieces; i++) hash.update(fill(Buffer.alloc(bytes), i, bytes));
  return hash.digest('hex');
};

/** Reads a request body slowly (a turn of the event loop per chunk), hashing it. */
async function slowly(req: IncomingMessage): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of req) {
    hash.update(chunk as Buffer);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return hash.digest('hex');
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

async function listen(handler: (req: IncomingMessage, res: import('node:http').ServerResponse) => void) {
  const server = createServer(handler);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('an insert body read into lent buffers', () => {
  it('never overwrites a buffer the socket still holds, with a body many times larger than the buffers', async () => {
    const shelf = new BufferShelf(MiB, 2);
    const pieces = 48;
    let sending: ClientRequest | undefined;
    const received = Promise.withResolvers<string>();
    const url = await listen(async (req, res) => {
      req.pause();
      // nothing is read until the socket holds what it could not write yet: the kernel's buffers are full
      await until(() => (sending?.writableLength ?? 0) > 0);
      received.resolve(await slowly(req));
      res.end();
    });
    const body = new LentBody(shelf, reader(pieces, MiB));
    sending = request(url, { method: 'POST' });
    const answered = once(sending, 'response');
    await pipeline(body, sending);
    await answered;
    body.settle();
    expect(await received.promise).toBe(expected(pieces, MiB));
    // buffers were reused (a fresh one per piece would have made all 48; how many depends on how the
    // kernel's socket buffers filled, 13-16 here)
    expect(shelf.made).toBeLessThan(pieces);
  });

  it('sends pieces larger than the buffers and small ones as they are', async () => {
    const shelf = new BufferShelf(64 * 1024, 2);
    const url = await listen(async (req, res) => res.end(await slowly(req)));
    const read = async function* (buffers?: BodyBuffers) {
      yield* reader(3, 100_000)(buffers);
      yield* reader(5, 1000)(buffers);
    };
    const body = new LentBody(shelf, read);
    const sending = request(url, { method: 'POST' });
    const answered = once(sending, 'response');
    await pipeline(body, sending);
    const [res] = (await answered) as [IncomingMessage];
    const hash = createHash('sha256');
    for (let i = 0; i < 3; i++) hash.update(fill(Buffer.alloc(100_000), i, 100_000));
    for (let i = 0; i < 5; i++) hash.update(fill(Buffer.alloc(1000), i, 1000));
    expect((await res.toArray()).join('')).toBe(hash.digest('hex'));
  });
});

describe('the clickhouse store sending a batch read into its buffers', () => {
  it('sends the whole body again, intact, when the connection broke in the middle of the first attempt', async () => {
    const pieces = 24;
    const bodies: string[] = [];
    let attempts = 0;
    const url = await listen(async (req, res) => {
      if (++attempts === 1) {
        // the first attempt breaks after 3 MiB have arrived
        let got = 0;
        for await (const chunk of req) {
          got += (chunk as Buffer).length;
          if (got > 3 * MiB) {
            req.socket.destroy();
            return;
          }
        }
      }
      bodies.push(await slowly(req));
      res.end();
    });
    const store = new ClickHouseStore({ url, database: 'tracker', requestTimeoutMs: 30_000 });
    try {
      const read = reader(pieces, MiB);
      await expect(store.insertJsonLines('events', read, { dedupToken: 't' })).rejects.toThrow();
      await store.insertJsonLines('events', read, { dedupToken: 't' });
      await store.insertJsonLines('events', read, { dedupToken: 't' });
    } finally {
      await store.close();
    }
    expect(bodies).toEqual([expected(pieces, MiB), expected(pieces, MiB)]);
  });
});
