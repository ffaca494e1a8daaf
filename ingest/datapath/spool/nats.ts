// The JetStream spool (spool.kind: nats, cluster mode; ADR 0001): the same TableLog/Spool seam as the
// disk WAL, backed by one stream (a subject per table) and a KV bucket of batch boundaries ("cuts").
//   stream <stream>         subjects <subjectPrefix>.>, file storage, limits retention, discard new,
//                           max_bytes = spool.maxBytes, allow_direct (batches are read by direct get)
//   bucket <stream>_cuts    key = table → the last batch range cut from it (history 1)
// A full stream or an unreachable server is OVERLOADED with Retry-After, like a full disk spool.
import { randomUUID } from 'node:crypto';
import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node';
import type { Spool, TableLog } from '../contract.ts';
import { type Backlog, readBacklog } from './nats-backlog.ts';
import type { NatsContext, NatsSpoolOptions } from './nats-context.ts';
import { keepReplicas } from './nats-replicas.ts';
import { NatsTableLog } from './nats-table-log.ts';

const TABLE = /^[a-z][a-z0-9_]{0,62}$/;

export class NatsSpool implements Spool {
  readonly kind = 'nats' as const;
  readonly #nc: NatsConnection;
  readonly #ctx: NatsContext;
  readonly #logs = new Map<string, NatsTableLog>();

  private constructor(nc: NatsConnection, ctx: NatsContext) {
    this.#nc = nc;
    this.#ctx = ctx;
  }

  /** Connects, creates (or updates) the stream and the cut bucket, and recovers tables with rows. */
  static async open(opts: NatsSpoolOptions): Promise<NatsSpool> {
    const nc = await connect({
      servers: opts.url.split(','),
      name: 'tracker-spool',
      // Never give up: while disconnected appends answer 503 and the server may come back.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    });
    try {
      return await NatsSpool.#init(nc, opts);
    } catch (err) {
      await nc.close();
      throw new Error(`open the NATS spool ${opts.stream}: ${(err as Error).message}`, { cause: err });
    }
  }

  static async #init(nc: NatsConnection, opts: NatsSpoolOptions): Promise<NatsSpool> {
    const jsm = await jetstreamManager(nc, { timeout: opts.publishTimeoutMs });
    const info = await ensureStream(jsm, opts);
    const cuts = await new Kvm(nc).create(`${opts.stream}_cuts`, {
      history: 1,
      replicas: opts.replicas,
      storage: StorageType.File,
    });
    // the stream's copies follow the setting (ensureStream); the bucket's must too, or it alone is lost
    await keepReplicas(jsm, cuts, opts.replicas, 'spool.nats.replicas');
    let up = true;
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') up = false;
        else if (s.type === 'reconnect') up = true;
      }
    })();
    const ctx: NatsContext = {
      js: jetstream(nc, { timeout: opts.publishTimeoutMs }),
      jsm,
      cuts,
      stream: opts.stream,
      epoch: String(Date.parse(info.created)),
      instance: randomUUID().replaceAll('-', '').slice(0, 16),
      opts,
      connected: () => up && !nc.isClosed(),
      maxPayload: () => nc.info?.max_payload ?? 1_048_576,
    };
    const spool = new NatsSpool(nc, ctx);
    await spool.#recover(info.config.subjects[0] as string);
    return spool;
  }

  get bytes(): number {
    let n = 0;
    for (const log of this.#logs.values()) n += log.pending.bytes;
    return n;
  }

  refusal(): string | undefined {
    return this.#ctx.connected() ? undefined : 'NATS is unreachable: the JetStream spool cannot take appends';
  }

  /** Rows are not cached in memory: a batch is read back from the stream when it is cut. */
  get memoryBytes(): number {
    return 0;
  }

  log(table: string): Promise<TableLog> {
    if (!TABLE.test(table)) return Promise.reject(new Error(`spool: invalid table name ${table}`));
    return Promise.resolve(this.#log(table));
  }

  peek(table: string): TableLog | undefined {
    return this.#logs.get(table);
  }

  tables(): string[] {
    return [...this.#logs.keys()];
  }

  async close(): Promise<void> {
    if (!this.#nc.isClosed()) await this.#nc.close();
  }

  #log(table: string, backlog?: Backlog): NatsTableLog {
    let log = this.#logs.get(table);
    if (!log) {
      log = new NatsTableLog(table, this.#ctx, backlog);
      this.#logs.set(table, log);
    }
    return log;
  }

  /**
   * Tables with rows still in the stream (from this or another instance) are delivered at start; their
   * rows are counted from the messages' headers (a message is one append of one or many rows).
   */
  async #recover(wildcard: string): Promise<void> {
    const { stream, opts } = this.#ctx;
    const info = await this.#ctx.jsm.streams.info(stream, { subjects_filter: wildcard });
    const prefix = `${opts.subjectPrefix}.`;
    for (const [subject, messages] of Object.entries(info.state.subjects ?? {})) {
      const table = subject.slice(prefix.length);
      if (!subject.startsWith(prefix) || !TABLE.test(table) || messages === 0) continue;
      const query = {
        stream,
        subject,
        messages,
        lastSeq: info.state.last_seq,
        waitMs: opts.publishTimeoutMs,
      };
      this.#log(table, await readBacklog(this.#ctx, query));
    }
  }
}

function streamConfig(opts: NatsSpoolOptions): Partial<StreamConfig> & { name: string } {
  return {
    name: opts.stream,
    subjects: [`${opts.subjectPrefix}.>`],
    storage: StorageType.File,
    // Rows leave the stream by an explicit purge once their batch is in the store (commit).
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.New,
    max_bytes: opts.maxBytes,
    num_replicas: opts.replicas,
    duplicate_window: nanos(opts.duplicateWindowMs),
    allow_direct: true,
  };
}

async function ensureStream(jsm: JetStreamManager, opts: NatsSpoolOptions): Promise<StreamInfo> {
  const wanted = streamConfig(opts);
  const existing = await jsm.streams.info(opts.stream).catch((err: unknown) => {
    if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) return undefined;
    throw err;
  });
  if (!existing) return jsm.streams.add(wanted);
  const c = existing.config;
  const same =
    c.max_bytes === wanted.max_bytes &&
    c.num_replicas === wanted.num_replicas &&
    c.duplicate_window === wanted.duplicate_window &&
    c.allow_direct === true &&
    c.subjects.includes(wanted.subjects?.[0] as string);
  return same ? existing : jsm.streams.update(opts.stream, { ...c, ...wanted });
}
