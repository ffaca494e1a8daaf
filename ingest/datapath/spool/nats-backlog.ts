// What one table's subject holds when the JetStream spool opens (rows an earlier run, or another
// instance, left in the stream), counted in ROWS and bytes: one message is one append, and one append
// (a batched POST) holds many rows. Read through a headers-only ordered consumer: each message's row
// header and the size the server reports for its payload arrive, never the payloads themselves.
// Reading costs about 10 µs a message, before the ingest listens: past a budget the rest of a backlog
// is estimated from the messages read (ADR 0042).
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';

/** The header every append carries: the rows its message holds. */
export const ROWS_HEADER = 'Tracker-Rows';
/** Set by the server on a headers-only delivery: the bytes of the payload left out. */
const SIZE_HEADER = 'Nats-Msg-Size';
/** Messages counted as one pending entry of the log: it is forgotten once a batch is cut past its last. */
const CHUNK = 256;
/** Messages asked for per fetch. */
const FETCH = 1000;
/** Messages of one subject read at open (about a second); the rest is estimated. */
export const COUNT_BUDGET = 100_000;
/** The shortest wait a pull request accepts (only a subject purged while it is read waits this long). */
const MIN_EXPIRES_MS = 1000;

/** Consecutive recovered messages: the sequence of the last of them, and what they hold together. */
export interface BacklogChunk {
  readonly seq: number;
  readonly rows: number;
  readonly bytes: number;
}

export interface Backlog {
  /** In sequence order; past the budget, the last one is the estimated rest of the backlog. */
  readonly chunks: readonly BacklogChunk[];
  /** The sequence of the last message recovered (0: none); a batch stored through it stored them all. */
  readonly through: number;
}

export interface BacklogQuery {
  readonly stream: string;
  readonly subject: string;
  /** The subject's messages in the stream's information (asked for at most). */
  readonly messages: number;
  /** The stream's last sequence then: a message after it was appended since, and is not recovered. */
  readonly lastSeq: number;
  readonly waitMs: number;
  /** Messages read before the rest is estimated (default COUNT_BUDGET). */
  readonly budget?: number;
}

interface Streams {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
}

/** Reads the backlog of one subject; the consumer is deleted afterwards (it would expire anyway). */
export async function readBacklog(s: Streams, q: BacklogQuery): Promise<Backlog> {
  const consumer = await s.js.consumers.get(q.stream, { filter_subjects: q.subject, headers_only: true });
  const counter = new ChunkCounter();
  const budget = q.budget ?? COUNT_BUDGET;
  let left = 0;
  try {
    for (let ask = Math.min(FETCH, q.messages, budget); ask > 0; ) {
      const page = await consumer.fetch({ max_messages: ask, expires: Math.max(MIN_EXPIRES_MS, q.waitMs) });
      let got = 0;
      for await (const m of page) {
        got++;
        if (m.seq <= q.lastSeq) counter.add(m);
        // the messages still after this one: none that matter past the stream's last at open
        left = m.seq >= q.lastSeq ? 0 : m.info.pending;
        if (left === 0) break;
      }
      await page.close();
      // a short page: the rest was committed (purged) by another instance while this read
      if (got < ask) left = 0;
      ask = Math.min(FETCH, left, budget - counter.messages);
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
  return left > 0 ? estimateRest(s.jsm, q, counter, left) : counter.backlog();
}

/** The messages past the budget, as many rows and bytes each as those read, through the subject's last. */
async function estimateRest(jsm: JetStreamManager, q: BacklogQuery, counter: ChunkCounter, left: number) {
  const last = await jsm.streams.getMessage(q.stream, { last_by_subj: q.subject });
  return counter.backlog(last === null ? undefined : { seq: last.seq, messages: left });
}

class ChunkCounter {
  readonly #chunks: BacklogChunk[] = [];
  /** The messages read, and what they hold. */
  messages = 0;
  #rows = 0;
  #bytes = 0;
  #seq = 0;
  /** The chunk being filled. */
  #chunk = { messages: 0, rows: 0, bytes: 0 };

  add(m: JsMsg): void {
    // every append carries the header; a message without it still holds at least one row
    const rows = Number(m.headers?.get(ROWS_HEADER)) || 1;
    const bytes = Number(m.headers?.get(SIZE_HEADER)) || 0;
    this.messages++;
    this.#rows += rows;
    this.#bytes += bytes;
    this.#seq = m.seq;
    const c = this.#chunk;
    this.#chunk = { messages: c.messages + 1, rows: c.rows + rows, bytes: c.bytes + bytes };
    if (this.#chunk.messages === CHUNK) this.#close();
  }

  /** The chunks read, then the estimated rest (messages after the last read, through `rest.seq`). */
  backlog(rest?: { seq: number; messages: number }): Backlog {
    this.#close();
    if (rest !== undefined && rest.seq > this.#seq && this.messages > 0) {
      const scaled = (n: number) => Math.round((n / this.messages) * rest.messages);
      // at least a row per message, like the count of a message without its header
      const rows = Math.max(rest.messages, scaled(this.#rows));
      this.#chunks.push({ seq: rest.seq, rows, bytes: scaled(this.#bytes) });
    }
    return { chunks: this.#chunks, through: this.#chunks.at(-1)?.seq ?? 0 };
  }

  #close(): void {
    const { rows, bytes, messages } = this.#chunk;
    if (messages > 0) this.#chunks.push({ seq: this.#seq, rows, bytes });
    this.#chunk = { messages: 0, rows: 0, bytes: 0 };
  }
}
