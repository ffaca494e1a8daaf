// NATS against the real nats-server of the integration environment: shared daily rate-limit counters in
// JetStream KV, fan-out of accepted events, and the Go tracker's log/count/update subjects consumed into tables.
import { type AddressInfo, createConnection, createServer, type Socket } from 'node:net';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Row } from '../../store/index.ts';
import { createRateLimiter } from '../plugins/rate-limit/limiter.ts';
import { createHasher } from '../privacy/hash.ts';
import { startConsumer } from './consumer.ts';
import { createKvBurstBucket } from './kv-burst.ts';
import { createKvDailyCounter } from './kv-counter.ts';
import { createKvSaltStore } from './kv-salts.ts';
import { createPublisher } from './publisher.ts';

const hasher = createHasher(Buffer.alloc(32, 5));
let nc: NatsConnection;
beforeAll(async () => {
  nc = await connect({ servers: inject('natsUrl') });
});
afterAll(() => nc.drain());

describe('rate limits shared through NATS KV', () => {
  it('two replicas count one daily quota together; concurrent increments are not lost', async () => {
    const bucket = `rl_${Date.now()}`;
    const a = createRateLimiter(
      { perDay: 10, burst: 0 },
      { daily: await createKvDailyCounter(nc, bucket, hasher, 1) },
    );
    const b = createRateLimiter(
      { perDay: 10, burst: 0 },
      { daily: await createKvDailyCounter(nc, bucket, hasher, 1) },
    );
    const now = Date.UTC(2025, 5, 1, 12);
    const verdicts = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).hit('198.51.100.4', now)),
    );
    expect(verdicts.filter((v) => v.ok)).toHaveLength(10);
    const refused = verdicts.find((v) => !v.ok);
    expect(refused).toMatchObject({ ok: false, reason: 'daily' });
    expect((await a.hit('198.51.100.5', now)).ok).toBe(true); // another IP has its own quota
  });
});

describe('the burst bucket shared through NATS KV', () => {
  it('two replicas draw from one bucket per IP, and its refill is shared too', async () => {
    const bucket = `burst_${Date.now()}`;
    const limiter = async () =>
      createRateLimiter({ perDay: 0, burst: 4 }, { burst: await createKvBurstBucket(nc, bucket, hasher, 1) });
    const [a, b] = [await limiter(), await limiter()];
    const t0 = Date.UTC(2025, 5, 1, 12);
    const hits = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).hit('198.51.100.8', t0)),
    );
    expect(hits.filter((v) => v.ok)).toHaveLength(4);
    expect(hits.find((v) => !v.ok)).toEqual({ ok: false, reason: 'burst', retryAfterS: 1 });
    // Half a second later two tokens are back, for both replicas together.
    const later = [await a.hit('198.51.100.8', t0 + 500), await b.hit('198.51.100.8', t0 + 500)];
    expect(later.map((v) => v.ok)).toEqual([true, true]);
    expect((await a.hit('198.51.100.8', t0 + 500)).ok).toBe(false);
    expect((await b.hit('198.51.100.9', t0 + 500)).ok).toBe(true); // another IP has its own bucket
  });
});

describe('cookieless salts shared through NATS KV', () => {
  it('two replicas get the same salt for a day, a different one the next day', async () => {
    const bucket = `salts_${Date.now()}`;
    const [a, b] = await Promise.all([createKvSaltStore(nc, bucket, 1), createKvSaltStore(nc, bucket, 1)]);
    const now = Date.UTC(2025, 5, 1, 9);
    const [sa, sb] = await Promise.all([a.forDay(now), b.forDay(now)]);
    expect(sa.equals(sb)).toBe(true);
    expect((await b.forDay(now + 86_400_000)).equals(sa)).toBe(false);
  });
});

describe('publish and consume', () => {
  it('publishes accepted rows on <prefix>.<table>', async () => {
    const sub = nc.subscribe('test_pub.events', { max: 2 });
    const got: unknown[] = [];
    const done = (async () => {
      for await (const m of sub) got.push(m.json());
    })();
    createPublisher(nc, 'test_pub').publish('events', [{ eid: 'a' }, { eid: 'b' }]);
    await done;
    expect(got).toEqual([{ eid: 'a' }, { eid: 'b' }]);
  });

  it('consumes log/count/update subjects into rows; junk is skipped without stopping the consumer', async () => {
    const rows: [string, Row][] = [];
    const errors: unknown[] = [];
    const consumer = startConsumer(nc, {
      subjects: { log: 'it.log.>', count: 'it.count.>', update: 'it.update.>' },
      queueGroup: 'tracker',
      ipMode: 'truncate',
      hasher,
      append: async (t, r) => {
        for (const row of r) rows.push([t, row]);
      },
      onError: (e) => errors.push(e),
    });
    await nc.flush();
    nc.publish('it.log.app', 'not json');
    nc.publish(
      'it.log.app',
      JSON.stringify({ msg: 'Boot OK', ip: '203.0.113.50', level: 3, ltimenss: '1700000000123456789' }),
    );
    nc.publish('it.count.signup', JSON.stringify({}));
    nc.publish('it.update.cfg', JSON.stringify({ id: 'cfg', msg: 'v2', updated: '1700000000000' }));
    await expect.poll(() => rows.length, { timeout: 5000 }).toBe(3);
    await consumer.stop();
    const byTable = Object.fromEntries(rows);
    expect(byTable.logs).toMatchObject({ topic: 'it.log.app', msg: 'Boot OK', ip: '203.0.113.0', level: 3 });
    expect(byTable.logs?.ltime).toBe('2023-11-14 22:13:20.123456789');
    expect(byTable.counters).toMatchObject({ id: 'it.count.signup', total: 1 });
    expect(byTable.updates).toMatchObject({ id: 'cfg', msg: 'v2', updated_at: '2023-11-14 22:13:20.000' });
    expect(errors).toHaveLength(1);
  });
});

/** A consumer of `<prefix>.log.>` whose first append waits for `release`; `firstHeld` once it waits. */
function heldConsumer(on: NatsConnection, prefix: string) {
  const appended: string[] = [];
  let entered!: () => void;
  const firstHeld = new Promise<void>((r) => {
    entered = r;
  });
  let release!: () => void;
  const held = new Promise<void>((r) => {
    release = r;
  });
  const consumer = startConsumer(on, {
    subjects: { log: `${prefix}.log.>`, count: `${prefix}.count.>`, update: `${prefix}.update.>` },
    queueGroup: 'tracker',
    ipMode: 'truncate',
    hasher,
    append: async (_t, r) => {
      if (appended.length === 0) {
        entered();
        await held;
      }
      for (const row of r) appended.push(String(row.msg));
    },
  });
  return { consumer, appended, firstHeld, release };
}

/** A TCP relay to the NATS server that can stop relaying without closing: a peer gone silent. */
async function silencingRelay(target: URL): Promise<{ url: string; silence: () => void; close: () => void }> {
  const pairs: [Socket, Socket][] = [];
  const server = createServer((client) => {
    const upstream = createConnection(Number(target.port), target.hostname);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    pairs.push([client, upstream]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `nats://127.0.0.1:${port}`,
    silence: () => {
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    close: () => {
      for (const pair of pairs) for (const socket of pair) socket.destroy();
      server.close();
    },
  };
}

describe('stopping the consumer', () => {
  const sent = ['m0', 'm1', 'm2', 'm3', 'm4'];

  it('resolves only once the messages it had received are appended (the data path drains next)', async () => {
    const { consumer, appended, firstHeld, release } = heldConsumer(nc, 'stop');
    await nc.flush();
    for (const msg of sent) nc.publish('stop.log.app', JSON.stringify({ msg }));
    // the server has routed all five here once its answer to a ping arrives: the first is being appended
    await nc.flush();
    await firstHeld;

    const stopped = consumer.stop();
    release();
    await stopped;

    expect(appended).toEqual(sent);
  });

  // A peer that stops answering without closing (a partition) is noticed only by the client's pings,
  // minutes later: waiting for the server to confirm the end of the subscriptions held the shutdown.
  it('does not wait for a server that no longer answers, and appends what it had received', async () => {
    const relay = await silencingRelay(new URL(inject('natsUrl')));
    const via = await connect({ servers: relay.url, maxReconnectAttempts: -1 });
    try {
      const { consumer, appended, firstHeld, release } = heldConsumer(via, 'silent');
      await via.flush();
      for (const msg of sent) nc.publish('silent.log.app', JSON.stringify({ msg }));
      await nc.flush();
      // the relayed connection has all five once its own ping is answered
      await via.flush();
      await firstHeld;
      relay.silence();

      const stopped = consumer.stop();
      release();
      await stopped;

      expect(appended).toEqual(sent);
    } finally {
      relay.close();
      await via.close();
    }
  });
});
