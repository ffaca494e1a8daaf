// The erasure journal in a JetStream KV bucket (the JetStream spool's; journal.ts says when), shared by
// every ingest instance on the spool's stream and outliving them:
//   bucket <stream>_erasures   entry.<request id> → the entry (created, and acknowledged, before the
//                              request is answered; updated, by the instance holding it, against the
//                              revision it last read or wrote, to record the lookup before the deletes)
//                              lease.<request id> → which instance runs it, until when (kv-leases.ts)
// History 1, file storage, spool.nats.replicas copies (kept at every open, like the spool's buckets). A
// finished request's keys are purged from the bucket's stream by subject: no value, no history and no
// delete marker is left of them (the bytes stay in the stream's files until JetStream compacts them).
import { randomUUID } from 'node:crypto';
import { type JetStreamManager, jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { NatsSpool } from '../../common/config/datapath.ts';
import { keepReplicas } from '../datapath/index.ts';
import type { EraseJournal, JournalEntry, JournalReport } from './contract.ts';
import { encodeEntry, parseEntry } from './entry.ts';
import { DEFAULT_LEASE, Leases, type LeaseTiming, leaseKey } from './kv-leases.ts';

export interface KvJournalOptions {
  readonly bucket: string;
  /** Copies of the bucket (spool.nats.replicas). */
  readonly replicas: number;
  /** How long a write waits for its acknowledgement (spool.nats.publishTimeoutMs). */
  readonly timeoutMs: number;
  readonly lease?: LeaseTiming;
  /** How often the worker looks for requests nobody holds; by default every half lease. */
  readonly rescanMs?: number;
  readonly now?: () => number;
}

const entryKey = (requestId: string) => `entry.${requestId}`;

/** The journal of the instances sharing the spool's stream, on a connection of its own. */
export async function openKvJournal(spool: NatsSpool): Promise<EraseJournal> {
  const bucket = `${spool.stream}_erasures`;
  const nc = await connect({
    servers: spool.url.split(','),
    name: 'tracker-erasures',
    // never give up: while NATS is away erase requests answer 503 and claims wait
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
  });
  try {
    const opts = { bucket, replicas: spool.replicas, timeoutMs: spool.publishTimeoutMs };
    const journal = await kvJournal(nc, opts);
    return {
      ...journal,
      async close() {
        await journal.close();
        await nc.close();
      },
    };
  } catch (err) {
    await nc.close();
    throw new Error(`open the erasure journal (NATS KV bucket ${bucket}): ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** The journal on a connection the caller owns and closes (close() releases the leases only). */
export async function kvJournal(nc: NatsConnection, o: KvJournalOptions): Promise<EraseJournal> {
  const js = jetstream(nc, { timeout: o.timeoutMs });
  const jsm = await jetstreamManager(nc, { timeout: o.timeoutMs });
  const kv = await new Kvm(js).create(o.bucket, {
    history: 1,
    replicas: o.replicas,
    storage: StorageType.File,
  });
  await keepReplicas(jsm, kv, o.replicas, 'spool.nats.replicas');
  const stream = (await kv.status()).streamInfo.config.name;
  const timing = o.lease ?? DEFAULT_LEASE;
  const now = o.now ?? Date.now;
  const leases = new Leases(kv, randomUUID(), timing, now);
  const keys = new Keys(kv, jsm, stream, o.bucket);
  /**
   * The revision of each entry this instance created or claimed: an update names it, so it never writes
   * back an entry another instance finished and purged (or changed) since.
   */
  const revisions = new Map<string, number>();
  return {
    where: `NATS KV bucket ${o.bucket}`,
    rescanMs: o.rescanMs ?? timing.leaseMs / 2,
    async add(entry) {
      // the lease first: no other instance's scan may start the request before it is answered
      await leases.create(entry.requestId);
      const revision = await kv
        .create(entryKey(entry.requestId), encodeEntry(entry))
        .catch(async (err: unknown) => {
          leases.forget(entry.requestId);
          await keys.purge(leaseKey(entry.requestId)).catch(() => undefined);
          throw err;
        });
      revisions.set(entry.requestId, revision);
    },
    async update(entry) {
      const revision = revisions.get(entry.requestId);
      if (revision === undefined || !leases.holds(entry.requestId))
        throw new Error(`erase request ${entry.requestId} is not held here`);
      const next = await kv.update(entryKey(entry.requestId), encodeEntry(entry), revision);
      revisions.set(entry.requestId, next);
    },
    async claim(listed) {
      const { requestId } = listed;
      if (!(await leases.take(requestId).catch(() => false))) return undefined;
      // A scan's list can be older than the request's end: another instance may have finished it and
      // purged its keys since, and taking an absent lease creates the key anew. Only the entry says
      // whether the request is still to run; without it, the new lease is purged again.
      const entry = await kv.get(entryKey(requestId)).catch(() => undefined);
      if (entry === undefined) {
        await leases.release(requestId).catch(() => undefined);
        return undefined;
      }
      if (entry?.operation === 'PUT') {
        revisions.set(requestId, entry.revision);
        // the entry as it stands: its last holder may have recorded its lookup after the list was read
        const current = keys.parse(entry.string(), requestId);
        return typeof current === 'string' ? listed : current;
      }
      leases.forget(requestId);
      await keys.purge(leaseKey(requestId)).catch(() => undefined);
      return undefined;
    },
    holds: (requestId) => leases.holds(requestId),
    release(requestId) {
      revisions.delete(requestId);
      return leases.release(requestId);
    },
    async remove(requestId) {
      revisions.delete(requestId);
      leases.forget(requestId);
      await keys.purge(entryKey(requestId));
      await keys.purge(leaseKey(requestId));
    },
    entries: (report) => keys.entries(report, leases),
    close: () => leases.close(),
  };
}

/** Reading and purging the bucket's keys. */
class Keys {
  readonly #kv: KV;
  readonly #jsm: JetStreamManager;
  readonly #stream: string;
  readonly #bucket: string;

  constructor(kv: KV, jsm: JetStreamManager, stream: string, bucket: string) {
    this.#kv = kv;
    this.#jsm = jsm;
    this.#stream = stream;
    this.#bucket = bucket;
  }

  /** Every message of the key goes: a KV purge would leave a marker, a delete the value in history. */
  async purge(key: string): Promise<void> {
    await this.#jsm.streams.purge(this.#stream, { filter: `$KV.${this.#bucket}.${key}` });
  }

  /** The readable entries, oldest first; leases left by requests whose entry is gone are purged. */
  async entries(report: JournalReport, leases: Leases): Promise<JournalEntry[]> {
    const entries: JournalEntry[] = [];
    const ids = new Set<string>();
    for (const key of await this.#list('entry.')) {
      const id = key.slice('entry.'.length);
      ids.add(id);
      const read = await this.#read(key, id);
      if (typeof read === 'string') report(key, `${read}: left in place, not resumed`);
      else if (read !== undefined) entries.push(read);
    }
    for (const key of await this.#list('lease.')) {
      if (ids.has(key.slice('lease.'.length))) continue;
      // an entry whose create failed or that was purged before its lease: gone once ended
      const lease = await this.#kv.get(key);
      if (lease !== null && leases.ended(lease)) await this.purge(key).catch(() => undefined);
    }
    return entries.sort((a, b) => a.askedAt - b.askedAt);
  }

  async #list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const key of await this.#kv.keys(`${prefix}>`)) keys.push(key);
    return keys.sort();
  }

  /** The entry, what is wrong with it, or undefined when it went (finished) since it was listed. */
  async #read(key: string, id: string): Promise<JournalEntry | string | undefined> {
    let text: string;
    try {
      const got = await this.#kv.get(key);
      if (got === null || got.operation !== 'PUT') return undefined;
      text = got.string();
    } catch (err) {
      return `unreadable (${(err as Error).message})`;
    }
    return this.parse(text, id);
  }

  /** The entry a stored value holds, or what is wrong with it. */
  parse(text: string, id: string): JournalEntry | string {
    try {
      return parseEntry(JSON.parse(text), id);
    } catch {
      return 'not JSON';
    }
  }
}
