// One table's log of the JetStream spool against a real nats-server, its reads of the stream and its
// publish acknowledgements held at chosen moments (the real clients, wrapped): what the log counts as
// pending must be what the stream holds and no batch does, whatever an append does while a batch is cut.
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { NatsSpool } from './nats.ts';
import { readBacklog } from './nats-backlog.ts';
import type { NatsContext, NatsSpoolOptions } from './nats-context.ts';
import { NatsTableLog } from './nats-table-log.ts';

const connections: NatsConnection[] = [];
const spools: NatsSpool[] = [];
afterAll(async () => {
  for (const nc of connections) await nc.close();
  for (const spool of spools) await spool.close();
});

const LIMITS = { maxRows: 1000, maxBytes: 1_048_576 };
const line = (i: number) => Buffer.from(`{"eid":"${i}"}\n`);

interface Pauses {
  /** Called by a batch read once it has the stream's answer, before the log sees it. */
  readonly duringRead?: () => Promise<void>;
  /** Called by a publish once the stream has stored the message, before the log hears of it. */
  readonly afterStored?: () => Promise<void>;
}

const none = async () => undefined;

/** Options of a spool on a stream and cut bucket of its own. */
function spoolOptions(id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`) {
  return {
    url: inject('natsUrl'),
    stream: `LOG_${id}`,
    subjectPrefix: `log.${id}`,
    replicas: 1,
    publishTimeoutMs: 5000,
    duplicateWindowMs: 120_000,
    maxBytes: 64 * 1_048_576,
    retryAfterSeconds: 5,
  } satisfies NatsSpoolOptions;
}

async function openSpool(opts: NatsSpoolOptions): Promise<NatsSpool> {
  const spool = await NatsSpool.open(opts);
  spools.push(spool);
  return spool;
}

/** A log whose appends, once stored, wait for `release` before their acknowledgement is seen. */
async function logHoldingAcks(): Promise<{
  isStored: Promise<void>;
  release: () => void;
  log: NatsTableLog;
}> {
  const stored = Promise.withResolvers<void>();
  const held = Promise.withResolvers<void>();
  const log = await logWith({
    afterStored: async () => {
      stored.resolve();
      await held.promise;
    },
  });
  return { isStored: stored.promise, release: () => held.resolve(), log };
}

/** A table log on a stream and cut bucket of its own, as the spool makes them, held where `pauses` say. */
async function logWith(pauses: Pauses): Promise<NatsTableLog> {
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const opts = spoolOptions(id);
  // the stream and the cut bucket as the spool makes them
  await (await NatsSpool.open(opts)).close();
  const nc = await connect({ servers: opts.url });
  connections.push(nc);
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(opts.stream);
  const ctx: NatsContext = {
    js: pausingAcks(jetstream(nc), pauses.afterStored ?? none),
    jsm: pausingReads(jsm, pauses.duringRead ?? none),
    cuts: await new Kvm(nc).open(`${opts.stream}_cuts`),
    stream: opts.stream,
    epoch: String(Date.parse(info.created)),
    instance: id,
    opts,
    connected: () => true,
    maxPayload: () => 1_048_576,
  };
  return new NatsTableLog('events', ctx);
}

function pausingReads(jsm: JetStreamManager, duringRead: () => Promise<void>): JetStreamManager {
  const direct = new Proxy(jsm.direct, {
    get(target, key, receiver) {
      if (key !== 'getBatch') return Reflect.get(target, key, receiver);
      return async (...args: Parameters<typeof target.getBatch>) => {
        const answered: unknown[] = [];
        let failed: unknown;
        try {
          for await (const m of await target.getBatch(...args)) answered.push(m);
        } catch (err) {
          failed = err;
        }
        await duringRead();
        if (failed !== undefined) throw failed;
        return (async function* () {
          yield* answered;
        })();
      };
    },
  });
  return new Proxy(jsm, { get: (target, key) => (key === 'direct' ? direct : Reflect.get(target, key)) });
}

function pausingAcks(js: JetStreamClient, afterStored: () => Promise<void>): JetStreamClient {
  return new Proxy(js, {
    get(target, key) {
      if (key !== 'publish') return Reflect.get(target, key);
      return async (...args: Parameters<typeof target.publish>) => {
        const ack = await target.publish(...args);
        await afterStored();
        return ack;
      };
    },
  });
}

describe('a JetStream table log', () => {
  it('keeps counting an append acknowledged while a batch read found nothing', async () => {
    let appendDuringRead = false;
    const log: NatsTableLog = await logWith({
      duringRead: async () => {
        if (!appendDuringRead) return;
        appendDuringRead = false;
        await log.append(line(1), 1);
      },
    });

    appendDuringRead = true;
    expect(await log.take(LIMITS)).toBeUndefined();
    // the row is in the stream and no batch holds it: the queue must still see it (a drain, settled())
    expect(log.pending.rows).toBe(1);
    const batch = await log.take(LIMITS);
    expect(batch?.rows).toBe(1);
    expect(log.pending.rows).toBe(0);
  });

  it('forgets an append whose message a batch took before its acknowledgement arrived', async () => {
    const { isStored, release, log } = await logHoldingAcks();
    const appended = log.append(line(1), 1);
    await isStored;
    const batch = await log.take(LIMITS);
    expect(batch?.rows).toBe(1);
    release();
    await appended;
    // counted once its acknowledgement arrived, though a batch holds it
    expect(log.pending.rows).toBe(1);
    await log.commit(batch as NonNullable<typeof batch>);
    // the next look at the stream finds nothing after that batch: the count is right again
    expect(await log.take(LIMITS)).toBeUndefined();
    expect(log.pending.rows).toBe(0);
  });
});

describe('adopting what a shared JetStream log holds', () => {
  it('does not count again a message this log has cut into a batch not yet committed', async () => {
    const log = await logWith({});
    await log.append(line(1), 1);
    const batch = await log.take(LIMITS);
    expect(batch?.rows).toBe(1);

    await log.adoptShared();

    expect(log.pending.rows).toBe(0);
    await log.commit(batch as NonNullable<typeof batch>);
    expect(await log.take(LIMITS)).toBeUndefined();
  });

  it('counts once a message adopted before its own acknowledgement arrived', async () => {
    const { isStored, release, log } = await logHoldingAcks();
    const two = Buffer.concat([line(1), line(2)]);
    const appended = log.append(two, 2);
    await isStored;

    await log.adoptShared();
    expect(log.pending).toMatchObject({ rows: 2, bytes: two.length });
    release();
    await appended;

    expect(log.pending).toMatchObject({ rows: 2, bytes: two.length });
    const batch = await log.take(LIMITS);
    expect(batch?.rows).toBe(2);
    expect(log.pending).toMatchObject({ rows: 0, bytes: 0 });
  });

  it('counts a message another instance appended once, however often it is adopted', async () => {
    const opts = spoolOptions();
    const other = await (await openSpool(opts)).log('events');
    const mine = await (await openSpool(opts)).log('events');
    await other.append(line(1), 1);

    await mine.adoptShared?.();
    await mine.adoptShared?.();

    expect(mine.pending.rows).toBe(1);
    expect((await mine.take(LIMITS))?.rows).toBe(1);
    expect(mine.pending.rows).toBe(0);
  });
});

describe('the backlog a JetStream spool opens on', () => {
  const rows = (n: number, from: number) =>
    Buffer.concat(Array.from({ length: n }, (_v, k) => line(from + k)));

  it('is recovered once another instance sharing the stream stored it', async () => {
    const opts = spoolOptions();
    const other = await (await openSpool(opts)).log('events');
    for (let a = 0; a < 3; a++) await other.append(rows(5, a * 5), 5);
    // this instance starts while the other's three appends are still in the stream
    const mine = (await openSpool(opts)).peek('events');
    expect(mine?.pending).toMatchObject({ rows: 15, bytes: rows(15, 0).length });
    let recovered = false;
    void mine?.recovered.then(() => {
      recovered = true;
    });

    const batch = await other.take(LIMITS);
    expect(batch?.rows).toBe(15);
    await other.commit(batch as NonNullable<typeof batch>);
    // this instance learns it at its next look at the stream (the queue looks: it has rows pending)
    expect(await mine?.take(LIMITS)).toBeUndefined();
    expect(recovered).toBe(true);
    expect(mine?.pending.rows).toBe(0);
  });

  it('is counted over several reads, and its count falls as batches are cut from it', async () => {
    const opts = spoolOptions();
    const other = await (await openSpool(opts)).log('events');
    const appends = 1100;
    for (let a = 0; a < appends; a += 100)
      await Promise.all(Array.from({ length: 100 }, (_v, k) => other.append(rows(2, 2 * (a + k)), 2)));
    const mine = (await openSpool(opts)).peek('events') as NatsTableLog;
    expect(mine.pending).toMatchObject({ rows: 2 * appends, bytes: rows(2 * appends, 0).length });

    const batch = await mine.take({ maxRows: 600, maxBytes: 1_048_576 });
    expect(batch?.rows).toBe(600);
    // counted a chunk of messages at a time: never below what is left, and below what was there
    expect(mine.pending.rows).toBeGreaterThanOrEqual(2 * appends - 600);
    expect(mine.pending.rows).toBeLessThan(2 * appends);
    await mine.commit(batch as NonNullable<typeof batch>);
    let rest = await mine.take({ maxRows: Infinity, maxBytes: Infinity });
    expect(rest?.rows).toBe(2 * appends - 600);
    expect(mine.pending).toMatchObject({ rows: 0, bytes: 0 });
    await mine.commit(rest as NonNullable<typeof rest>);
    rest = await mine.take(LIMITS);
    expect(rest).toBeUndefined();
  });

  it('is estimated past the reading budget from the messages read', async () => {
    const opts = spoolOptions();
    const other = await (await openSpool(opts)).log('events');
    const two = rows(2, 10); // every message alike: the estimate is exact
    for (let a = 0; a < 300; a += 100)
      await Promise.all(Array.from({ length: 100 }, () => other.append(two, 2)));
    const nc = await connect({ servers: opts.url });
    connections.push(nc);
    const jsm = await jetstreamManager(nc);
    const { state } = await jsm.streams.info(opts.stream);
    const subject = `${opts.subjectPrefix}.events`;
    const query = { stream: opts.stream, subject, messages: 300, lastSeq: state.last_seq, waitMs: 5000 };

    const read = await readBacklog({ js: jetstream(nc), jsm }, { ...query, budget: 100 });
    // the first 100 messages read, then the other 200 estimated from them
    expect(read.chunks.length).toBe(2);
    expect(read.chunks[1]).toEqual({ seq: state.last_seq, rows: 400, bytes: 200 * two.length });
    expect(read.through).toBe(state.last_seq);
    const whole = await readBacklog({ js: jetstream(nc), jsm }, query);
    expect(whole.chunks.reduce((n, c) => n + c.rows, 0)).toBe(600);
    expect(whole.through).toBe(state.last_seq);
  });
});
