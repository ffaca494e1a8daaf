// The marks of erase requests on the JetStream spool: a KV bucket, <destinations.nats.streamPrefix>_erased,
// next to the backlogs' streams and shared like them by every ingest instance, so an erase request one
// instance accepted reaches every instance's forwarders (a pod's disk would reach its own only).
//   mark.<request id>  → the mark (file-marks.ts's JSON): keyed digests of the ids, never an id
// History 1, file storage, spool.nats.replicas copies. Every instance watches the bucket and applies
// what it sees; sync() waits until the watch has reached the bucket's last revision, so a forwarder that
// syncs before a request knows every mark acknowledged before it. A mark no longer needed is deleted, not
// purged: its delete marker (naming the request, not the person) keeps the bucket's last revision one a
// watch delivers, or a new instance would wait for a revision nobody can show it.
import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { keepReplicas } from '../../datapath/index.ts';
import { encodeMark, type MarkChange, type MarkReport, type MarkStore, parseMark } from './file-marks.ts';

const PREFIX = 'mark.';

export interface NatsMarksOptions {
  readonly bucket: string;
  readonly replicas: number;
  /** How long a sync waits for the watch to catch up before it fails (the request is then retried). */
  readonly timeoutMs: number;
}

export async function openNatsMarks(nc: NatsConnection, o: NatsMarksOptions): Promise<MarkStore> {
  const kv = await new Kvm(nc).create(o.bucket, {
    history: 1,
    replicas: o.replicas,
    storage: StorageType.File,
  });
  await keepReplicas(await jetstreamManager(nc), kv, o.replicas, 'spool.nats.replicas');
  return new NatsMarks(kv, o);
}

class NatsMarks implements MarkStore {
  readonly where: string;
  readonly #kv: KV;
  readonly #timeoutMs: number;
  /** The highest revision of the bucket the watch delivered. */
  #seen = 0;
  #waiters: { revision: number; resolve: () => void }[] = [];
  #stop: (() => void) | undefined;

  constructor(kv: KV, o: NatsMarksOptions) {
    this.where = `NATS KV bucket ${o.bucket}`;
    this.#kv = kv;
    this.#timeoutMs = o.timeoutMs;
  }

  async put(mark: Parameters<MarkStore['put']>[0]): Promise<void> {
    const revision = await this.#kv.put(`${PREFIX}${mark.requestId}`, encodeMark(mark));
    await this.#reached(revision);
  }

  async remove(requestId: string): Promise<void> {
    await this.#kv.delete(`${PREFIX}${requestId}`);
  }

  async load(apply: (change: MarkChange) => void, report: MarkReport): Promise<void> {
    const watch = await this.#kv.watch({ key: `${PREFIX}>` });
    this.#stop = () => watch.stop();
    void (async () => {
      for await (const e of watch) {
        const requestId = e.key.slice(PREFIX.length);
        if (e.operation !== 'PUT') apply({ removed: requestId });
        else {
          const read = parseMark(e.string(), requestId);
          if (typeof read === 'string') report(e.key, read);
          else apply({ mark: read });
        }
        this.#advance(e.revision);
      }
    })();
    await this.sync();
  }

  async sync(): Promise<void> {
    const last = (await this.#kv.status()).streamInfo.state.last_seq;
    await this.#reached(last);
  }

  async close(): Promise<void> {
    this.#stop?.();
  }

  #advance(revision: number): void {
    this.#seen = Math.max(this.#seen, revision);
    const ready = this.#waiters.filter((w) => w.revision <= this.#seen);
    this.#waiters = this.#waiters.filter((w) => w.revision > this.#seen);
    for (const w of ready) w.resolve();
  }

  /** Resolves once the watch delivered `revision`; rejects after timeoutMs. */
  #reached(revision: number): Promise<void> {
    if (revision <= this.#seen) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(`${this.where}: marks up to revision ${revision} not seen in ${this.#timeoutMs} ms`),
        );
      }, this.#timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#waiters.push({ revision, resolve: done });
    });
  }
}
