// A destination's backlog in JetStream (spool.kind nats): a stream per destination and one durable
// pull consumer shared by every ingest replica (ADR 0019).
//   stream   <streamPrefix>_<NAME>, subject <subjectPrefix>.<name>, file storage, work-queue retention
//            (a message leaves once acknowledged), discard new at max_bytes = delivery.backlogBytes
//   append   publish in chunks with Nats-Msg-Id <feed id>.<chunk>: a feed replayed within the duplicate
//            window is a no-op; a full stream refuses (the events are recorded as dropped, never waited for)
//   next     fetch from the durable consumer; each message goes to one replica at a time
//   done     ackAck (the server confirmed); a replica that dies leaves its messages unacknowledged and
//            the server hands them to another after ackWaitMs: nothing is lost, a batch may be sent twice
// The last feed per table is kept in the KV bucket <streamPrefix>_fed (key <name>.<table>).
import {
  AckPolicy,
  type Consumer,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { headers, type NatsConnection, nanos } from '@nats-io/transport-node';
import type { Backlog, FedMark, TakeLimits, Taken } from '../contract.ts';

export interface NatsBacklogOptions {
  readonly nc: NatsConnection;
  readonly marks: KV;
  readonly name: string;
  readonly stream: string;
  readonly subject: string;
  readonly maxBytes: number;
  readonly replicas: number;
  readonly duplicateWindowMs: number;
  readonly ackWaitMs: number;
  readonly publishTimeoutMs: number;
}

const ROWS_HEADER = 'Tracker-Rows';
/** Bytes of rows per message: far below the default max_payload (1 MiB), whole lines only. */
const CHUNK_BYTES = 256 * 1024;
/** Messages fetched per pull; the ones not yet sent are kept alive while they wait. */
const PULL = 64;
/** How long a pull waits for messages when the backlog is empty. */
const PULL_WAIT_MS = 1_000;

type Slice = Taken & { readonly msgs: readonly JsMsg[] };

export async function openNatsBacklog(o: NatsBacklogOptions): Promise<Backlog> {
  const jsm = await jetstreamManager(o.nc, { timeout: o.publishTimeoutMs });
  await ensureStream(jsm, o);
  await ensureConsumer(jsm, o);
  const js = jetstream(o.nc, { timeout: o.publishTimeoutMs });
  const consumer: Consumer = await js.consumers.get(o.stream, o.name);
  const held: JsMsg[] = [];
  return {
    async append(lines, _rows, id) {
      const chunks = chunkLines(lines);
      for (const [i, chunk] of chunks.entries()) {
        const h = headers();
        h.set(ROWS_HEADER, String(countLines(chunk)));
        try {
          await js.publish(o.subject, chunk, { msgID: `${id}.${i}`, headers: h });
        } catch (err) {
          const reason = `${(err as Error).message} (${chunks.length - i} of ${chunks.length} chunks not queued)`;
          return {
            stored: false,
            full: /maximum (bytes|messages)|insufficient resources/i.test(reason),
            reason,
          };
        }
      }
      return { stored: true };
    },
    async next(limits: TakeLimits) {
      if (held.length === 0) await pull(consumer, held);
      return take(held, limits);
    },
    async done(taken) {
      await Promise.all((taken as Slice).msgs.map((m) => m.ackAck()));
    },
    keepAliveMs: Math.floor(o.ackWaitMs / 3),
    keepAlive(taken) {
      for (const m of [...(taken as Slice).msgs, ...held]) m.working();
    },
    async fed(table) {
      const entry = await o.marks.get(`${o.name}.${table}`);
      return entry?.operation === 'PUT' ? (entry.json<FedMark>() as FedMark) : undefined;
    },
    async markFed(table, mark) {
      await o.marks.put(`${o.name}.${table}`, JSON.stringify(mark));
    },
    async pending() {
      const info = await jsm.streams.info(o.stream);
      return { bytes: info.state.bytes };
    },
    close: async () => {
      // Messages fetched but not sent go back at once rather than after the ack wait.
      for (const m of held.splice(0)) m.nak();
    },
  };
}

async function pull(consumer: Consumer, held: JsMsg[]): Promise<void> {
  const messages = await consumer.fetch({ max_messages: PULL, expires: PULL_WAIT_MS });
  for await (const m of messages) held.push(m);
}

function take(held: JsMsg[], limits: TakeLimits): Slice | undefined {
  const msgs: JsMsg[] = [];
  let rows = 0;
  let bytes = 0;
  while (held.length > 0) {
    const m = held[0] as JsMsg;
    const n = Number(m.headers?.get(ROWS_HEADER)) || countLines(Buffer.from(m.data));
    if (msgs.length > 0 && (rows + n > limits.maxRows || bytes + m.data.length > limits.maxBytes)) break;
    msgs.push(held.shift() as JsMsg);
    rows += n;
    bytes += m.data.length;
  }
  if (msgs.length === 0) return undefined;
  return { lines: Buffer.concat(msgs.map((m) => Buffer.from(m.data))), rows, msgs };
}

/** Whole JSON lines in chunks of about CHUNK_BYTES (a longer single line is its own chunk). */
export function chunkLines(lines: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  while (start < lines.length) {
    let end = Math.min(lines.length, start + CHUNK_BYTES);
    if (end < lines.length) {
      const nl = lines.lastIndexOf(10, end - 1);
      end = nl >= start ? nl + 1 : lines.indexOf(10, end) + 1 || lines.length;
    }
    out.push(lines.subarray(start, end));
    start = end;
  }
  return out;
}

function countLines(lines: Buffer): number {
  let n = 0;
  for (let i = lines.indexOf(10); i !== -1; i = lines.indexOf(10, i + 1)) n++;
  return n;
}

async function ensureStream(jsm: JetStreamManager, o: NatsBacklogOptions): Promise<void> {
  const wanted = {
    name: o.stream,
    subjects: [o.subject],
    storage: StorageType.File,
    retention: RetentionPolicy.Workqueue,
    discard: DiscardPolicy.New,
    max_bytes: o.maxBytes,
    num_replicas: o.replicas,
    duplicate_window: nanos(o.duplicateWindowMs),
  };
  const existing = await jsm.streams.info(o.stream).catch((err: unknown) => {
    if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) return undefined;
    throw err;
  });
  if (existing === undefined) await jsm.streams.add(wanted);
  else if (
    existing.config.max_bytes !== o.maxBytes ||
    existing.config.num_replicas !== o.replicas ||
    existing.config.duplicate_window !== wanted.duplicate_window
  )
    await jsm.streams.update(o.stream, { ...existing.config, ...wanted });
}

async function ensureConsumer(jsm: JetStreamManager, o: NatsBacklogOptions): Promise<void> {
  const config = {
    durable_name: o.name,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(o.ackWaitMs),
    filter_subject: o.subject,
    max_deliver: -1,
  };
  const existing = await jsm.consumers.info(o.stream, o.name).catch(() => undefined);
  if (existing === undefined) await jsm.consumers.add(o.stream, config);
  else if (existing.config.ack_wait !== config.ack_wait) await jsm.consumers.update(o.stream, o.name, config);
}
