// What one table's subject holds when the JetStream spool opens (rows an earlier run, or another
// instance, left in the stream), counted in ROWS and bytes: one message is one append, and one append
// (a batched POST) holds many rows. Read through a headers-only ordered consumer: each message's row
// header and the size the server reports for its payload arrive, never the payloads themselves.
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';

/** The header every append carries: the rows its message holds. */
export const ROWS_HEADER = 'Tracker-Rows';
/** Set by the server on a headers-only delivery: the bytes of the payload left out. */
const SIZE_HEADER = 'Nats-Msg-Size';
/** Messages counted as one pending entry of the log: it is forgotten once a batch is cut past its last. */
const CHUNK = 256;
/** Messages asked for per fetch. */
const FETCH = 1000;
/** The shortest wait a pull request accepts (only a subject purged while it is read waits this long). */
const MIN_EXPIRES_MS = 1000;

/** Consecutive recovered messages: the sequence of the last of them, and what they hold together. */
export interface BacklogChunk {
  readonly seq: number;
  readonly rows: number;
  readonly bytes: number;
}

export interface Backlog {
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
}

/** Reads the backlog of one subject; the consumer is deleted afterwards (it would expire anyway). */
export async function readBacklog(js: JetStreamClient, q: BacklogQuery): Promise<Backlog> {
  const consumer = await js.consumers.get(q.stream, { filter_subjects: q.subject, headers_only: true });
  const counter = new ChunkCounter();
  const expires = Math.max(MIN_EXPIRES_MS, q.waitMs);
  try {
    for (let ask = Math.min(FETCH, q.messages); ask > 0; ) {
      const page = await consumer.fetch({ max_messages: ask, expires });
      let got = 0;
      let left = 0;
      for await (const m of page) {
        got++;
        if (m.seq <= q.lastSeq) counter.add(m);
        // the messages still after this one: none that matter past the stream's last at open
        left = m.seq >= q.lastSeq ? 0 : m.info.pending;
        if (left === 0) break;
      }
      await page.close();
      // a short page: the rest was committed (purged) by another instance while this read
      ask = got === ask ? Math.min(FETCH, left) : 0;
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
  return counter.backlog();
}

class ChunkCounter {
  readonly #chunks: BacklogChunk[] = [];
  #seq = 0;
  #rows = 0;
  #bytes = 0;
  #messages = 0;

  add(m: JsMsg): void {
    this.#seq = m.seq;
    // every append carries the header; a message without it still holds at least one row
    this.#rows += Number(m.headers?.get(ROWS_HEADER)) || 1;
    this.#bytes += Number(m.headers?.get(SIZE_HEADER)) || 0;
    if (++this.#messages === CHUNK) this.#close();
  }

  backlog(): Backlog {
    this.#close();
    return { chunks: this.#chunks, through: this.#chunks.at(-1)?.seq ?? 0 };
  }

  #close(): void {
    if (this.#messages > 0) this.#chunks.push({ seq: this.#seq, rows: this.#rows, bytes: this.#bytes });
    this.#rows = 0;
    this.#bytes = 0;
    this.#messages = 0;
  }
}
