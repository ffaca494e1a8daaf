// The erasure journal in a JetStream KV bucket, shared by instances, on a real nats-server: each instance
// is an erase worker on its own connection, with short leases; the store's answers are scripted and the
// status rows of all instances land in one list (the shared `erasures` table). A request one instance
// accepted is finished by another when the first dies; two instances never both run one; a bucket that
// refuses the write answers OVERLOADED; a finished request leaves nothing of its entry in the stream.
import { jetstreamManager, type StreamUpdateConfig } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { IngestError } from '../errors.ts';
import type { ErasureRepository, LinkedIds } from '../repositories/index.ts';
import type { EraseJournal } from './contract.ts';
import { kvJournal } from './kv-journal.ts';
import { createEraseWorker } from './worker.ts';
import type { EraseTiming, EraseWorker } from './worker-api.ts';

const VID = '5d7c0a4e-2222-4aaa-8bbb-00000000000a';
const FAST: EraseTiming = { firstRetryMs: 1, maxRetryMs: 4, giveUpAfterMs: 60_000, secondPassMs: 1 };
const LEASE = { leaseMs: 1500, renewMs: 300 };

const connections: NatsConnection[] = [];
afterAll(async () => {
  for (const nc of connections) if (!nc.isClosed()) await nc.close();
});

let unique = 0;
const bucketName = () => `ERASURES_${Date.now().toString(36)}${unique++}`;

/** The `erasures` rows every instance appends, in order. */
type Rows = Record<string, unknown>[];

interface Instance {
  readonly nc: NatsConnection;
  readonly journal: EraseJournal;
  readonly worker: EraseWorker;
  readonly logs: string[];
  /** Runs of the deletes on this instance. */
  runs: number;
  /** The linked ids (and IPs) each run of the deletes went on with. */
  readonly ran: LinkedIds[];
}

interface Behaviour {
  /** What a run of the deletes does (after it is counted); by default it succeeds at once. */
  readonly run?: () => Promise<string[]>;
  readonly settled?: () => Promise<void>;
  /** What the lookup of the linked ids finds; by default nothing. */
  readonly linked?: LinkedIds;
}

async function instance(bucket: string, rows: Rows, b: Behaviour = {}): Promise<Instance> {
  const nc = await connect({ servers: inject('natsUrl') });
  connections.push(nc);
  const journal = await kvJournal(nc, { bucket, replicas: 1, timeoutMs: 2000, lease: LEASE, rescanMs: 100 });
  const logs: string[] = [];
  const repository: ErasureRepository = {
    plan: (_target, linked) => [{ table: 'events', sql: '', params: { linked } }],
    linked: async () => b.linked ?? { vids: [], uids: [], ips: [] },
    run: async (statements) => {
      self.runs++;
      self.ran.push(statements[0]?.params.linked as LinkedIds);
      return b.run === undefined ? [] : b.run();
    },
    status: async (id) => {
      const last = rows.filter((r) => r.request_id === id).at(-1);
      return last && { status: String(last.status), detail: String(last.detail) };
    },
  };
  const worker = createEraseWorker(
    {
      journal,
      repository,
      settled: b.settled ?? (async () => {}),
      eraseDeadLetters: async () => 0,
      append: async (_table, appended) => void rows.push(...appended),
      now: Date.now,
      log: (level, msg) => logs.push(`${level}: ${msg}`),
    },
    FAST,
  );
  const self: Instance = { nc, journal, worker, logs, runs: 0, ran: [] };
  return self;
}

/** Dies: no close of its journal (its leases are not released), its connection gone. */
async function die(i: Instance): Promise<void> {
  i.worker.close();
  await i.nc.close();
}

/** A graceful stop: the worker stops, the journal releases what it held. */
async function stop(i: Instance): Promise<void> {
  i.worker.close();
  await i.journal.close();
  await i.nc.close();
}

/** Messages in the bucket's stream: values, history and delete markers alike. */
async function messages(bucket: string): Promise<number> {
  const nc = await connect({ servers: inject('natsUrl') });
  try {
    return (await (await jetstreamManager(nc)).streams.info(`KV_${bucket}`)).state.messages;
  } finally {
    await nc.close();
  }
}

const statuses = (rows: Rows) => rows.map((r) => r.status);
const never = () => new Promise<never>(() => {});

describe('the erasure journal in a JetStream KV bucket', () => {
  it('lets another instance finish a request whose instance died mid-way, once its lease ended', async () => {
    const bucket = bucketName();
    const rows: Rows = [];
    let reached: () => void = () => {};
    const running = new Promise<void>((r) => (reached = r));
    const first = await instance(bucket, rows, {
      run: () => {
        reached();
        return never();
      },
    });
    const { requestId } = await first.worker.submit({ vid: VID });
    await running; // its deletes run, and never end

    const second = await instance(bucket, rows);
    await second.worker.resume();
    expect(second.runs).toBe(0); // the first holds it, and renews its lease
    await die(first);

    await expect.poll(() => statuses(rows), { timeout: 20_000 }).toEqual(['pending', 'done']);
    await expect.poll(() => messages(bucket), { timeout: 20_000 }).toBe(0);
    expect(second.runs).toBe(2); // first and second pass
    expect(await second.worker.status(requestId)).toEqual({ status: 'done', detail: '' });
    second.worker.close();
  });

  it('lets one instance run a pending request when two resume it at once', async () => {
    const bucket = bucketName();
    const rows: Rows = [];
    const first = await instance(bucket, rows, { settled: never });
    await first.worker.submit({ vid: VID });
    await stop(first); // released: the request is anyone's at once

    const [b, c] = [await instance(bucket, rows), await instance(bucket, rows)];
    await Promise.all([b.worker.resume(), c.worker.resume()]);
    await expect.poll(() => messages(bucket), { timeout: 20_000 }).toBe(0);
    expect(statuses(rows)).toEqual(['pending', 'done']);
    expect([b.runs, c.runs].sort()).toEqual([0, 2]);
    b.worker.close();
    c.worker.close();
  });

  it('claims nothing of a request another instance finished after the scan that listed it', async () => {
    const bucket = bucketName();
    const rows: Rows = [];
    const first = await instance(bucket, rows);
    const { requestId } = await first.worker.submit({ vid: VID });
    await expect.poll(() => messages(bucket), { timeout: 20_000 }).toBe(0);
    const late = await instance(bucket, rows);
    // what a scan that listed the entry before the first instance purged it asks next
    const listed = { requestId, target: { vid: VID }, askedAt: Date.now() };
    expect(await late.journal.claim(listed)).toBeUndefined();
    expect(await messages(bucket)).toBe(0);
    expect(late.journal.holds(requestId)).toBe(false);
    expect(statuses(rows)).toEqual(['pending', 'done']);
    first.worker.close();
    late.worker.close();
  });

  it('stops a run whose lease lapsed before its next status: the instance that took it over records them', async () => {
    const bucket = bucketName();
    const rows: Rows = [];
    let reached: () => void = () => {};
    const running = new Promise<void>((r) => (reached = r));
    let answer: (failed: string[]) => void = () => {};
    // its delete fails, once it answers: a run that went on would record `retrying` after `done`
    const cutOff = await instance(bucket, rows, {
      run: () => {
        reached();
        return new Promise<string[]>((r) => (answer = r));
      },
    });
    const { requestId } = await cutOff.worker.submit({ vid: VID });
    await running;
    await cutOff.nc.close(); // cut off from NATS: no renewal reaches it

    const other = await instance(bucket, rows);
    await other.worker.resume();
    await expect.poll(() => statuses(rows), { timeout: 20_000 }).toEqual(['pending', 'done']);
    answer(['events']);
    await expect
      .poll(() => cutOff.logs)
      .toContain(`warn: erase request ${requestId}: its claim lapsed; left to the instance that claims it`);
    expect(statuses(rows)).toEqual(['pending', 'done']);
    cutOff.worker.close();
    other.worker.close();
  });

  it('answers OVERLOADED, and records nothing, when the bucket refuses the write', async () => {
    const bucket = bucketName();
    const rows: Rows = [];
    const i = await instance(bucket, rows);
    // a sealed stream takes no write: as a bucket NATS cannot store (the client's update type leaves the
    // field out; the server takes it)
    const sealed = { sealed: true } as Partial<StreamUpdateConfig>;
    await (await jetstreamManager(i.nc)).streams.update(`KV_${bucket}`, sealed);
    const refused = await i.worker.submit({ vid: VID }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(IngestError);
    expect(refused).toMatchObject({ code: 'OVERLOADED', statusCode: 503 });
    expect((refused as Error).message).toContain(`NATS KV bucket ${bucket}`);
    expect(rows).toEqual([]);
    expect(await messages(bucket)).toBe(0);
    i.worker.close();
  });

  it('holds the ids while the request runs, and purges the entry once done: no value, history or marker', async () => {
    const bucket = bucketName();
    const rows: Rows = [];
    let go: () => void = () => {};
    const waiting = new Promise<void>((r) => (go = r));
    const i = await instance(bucket, rows, { settled: () => waiting });
    const { requestId } = await i.worker.submit({ vid: VID });
    const kv = await new Kvm(i.nc).open(bucket);
    const entry = await kv.get(`entry.${requestId}`);
    expect(entry?.string()).toContain(VID);
    go();
    await expect.poll(() => messages(bucket), { timeout: 20_000 }).toBe(0);
    expect(statuses(rows)).toEqual(['pending', 'done']);
    const jsm = await jetstreamManager(i.nc);
    expect(await jsm.streams.getMessage(`KV_${bucket}`, { seq: entry?.revision ?? 0 })).toBeNull();
    expect(await kv.get(`entry.${requestId}`)).toBeNull();
    i.worker.close();
  });

  // The lookup of the linked ids and IPs reads the events the deletes remove: an instance taking over a
  // request whose holder died after its deletes found nothing, and left the linked ids' rows. The holder
  // records the lookup in the entry before deleting, and the claim answers the entry as it stands.
  it('lets the instance that takes over a request go on with the lookup its dead holder recorded', async () => {
    const bucket = bucketName();
    const rows: Rows = [];
    const found = { vids: ['1d2c3b4a-0000-4000-8000-0000000000a1'], uids: [], ips: ['198.51.100.7'] };
    let reached: () => void = () => {};
    const running = new Promise<void>((r) => (reached = r));
    let go: () => void = () => {};
    const waiting = new Promise<void>((r) => (go = r));
    // it waits for the spooled rows, looks up and records, deletes, and dies before it answers
    const first = await instance(bucket, rows, {
      linked: found,
      settled: () => waiting,
      run: () => {
        reached();
        return never();
      },
    });
    // listed before the first instance looked up anything: the claim must not go on with this copy
    const second = await instance(bucket, rows);
    const { requestId } = await first.worker.submit({ ehash: 'h1' });
    const [listed] = await second.journal.entries(() => {});
    expect(listed?.linked).toBeUndefined();
    go();
    await running;
    const kv = await new Kvm(second.nc).open(bucket);
    expect(JSON.parse((await kv.get(`entry.${requestId}`))?.string() ?? '{}').linked).toEqual(found);
    await die(first);
    // once the lease ended, the claim of the copy listed before answers the entry as it stands
    const claimed = () => second.journal.claim(listed!).then((e) => e?.linked);
    await expect.poll(claimed, { timeout: 20_000 }).toEqual(found);

    await second.worker.resume();
    await expect.poll(() => statuses(rows), { timeout: 20_000 }).toEqual(['pending', 'done']);
    await expect.poll(() => messages(bucket), { timeout: 20_000 }).toBe(0);
    // the events are gone (its own lookup finds nothing): both passes ran on what the first recorded
    expect(second.ran).toEqual([found, found]);
    second.worker.close();
  });

  it('refuses to record a lookup in an entry another instance finished since', async () => {
    const bucket = bucketName();
    const rows: Rows = [];
    const i = await instance(bucket, rows);
    const { requestId } = await i.worker.submit({ vid: VID });
    await expect.poll(() => messages(bucket), { timeout: 20_000 }).toBe(0);
    const entry = {
      requestId,
      target: { vid: VID },
      askedAt: Date.now(),
      linked: { vids: [], uids: [], ips: ['192.0.2.1'] },
    };
    await expect(i.journal.update(entry)).rejects.toThrow(/not held here/);
    expect(await messages(bucket)).toBe(0);
    i.worker.close();
  });
});
