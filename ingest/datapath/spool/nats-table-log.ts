// One table's log in the JetStream spool: the subject <subjectPrefix>.<table> of the spool stream.
//
//   append = publish + PubAck (file storage, R replicas): acknowledged once JetStream stored it. The
//            Nats-Msg-Id makes a re-publish after a lost PubAck a no-op (stream duplicate window).
//   take   = read the next range of the subject by direct get; its boundary {epoch, from, to} is
//            written to the cut bucket (compare-and-set on the key's revision) before it is returned.
//            A cut whose messages are still in the stream is replayed first, exactly as it was.
//   commit = purge the subject through `to`: delivered rows leave the stream.
// What the subject held at open (the backlog) is counted in rows and bytes (nats-backlog.ts) and is
// recovered once a batch through its last message is stored: here, or by another instance that cut it.
// The dedup token is <stream>.<epoch>.<table>.<from>-<to> (stream sequences), so a replay after a crash,
// by this or another instance, carries the same token and the store drops what it already has.
import { headers } from '@nats-io/transport-node';
import { IngestError } from '../../errors.ts';
import type { SpoolBatch, TableLog, TakeLimits } from '../contract.ts';
import { piecesOf, spoolBatch } from './batch.ts';
import { type Backlog, ROWS_HEADER } from './nats-backlog.ts';
import type { NatsContext } from './nats-context.ts';
import { countLines } from './table-log.ts';

/** Messages asked per direct-get request (the server caps a batch too). */
const PAGE = 256;
/** Attempts of take when another instance cut the same range first (compare-and-set conflicts). */
const TAKE_ATTEMPTS = 3;
/** Bytes of a message besides its payload (headers, subject) counted against max_payload. */
const HEADROOM = 512;

interface Cut {
  readonly epoch: string;
  readonly from: number;
  readonly to: number;
}
interface Stored {
  readonly seq: number;
  readonly rows: number;
  readonly lines: Buffer;
}
/** An acknowledged append (or the recovered backlog) not yet cut into a batch. */
interface Pending {
  /** Counts the entries ever pushed: which of them a read that began after them must have seen. */
  readonly n: number;
  readonly seq: number;
  readonly at: number;
  readonly rows: number;
  readonly bytes: number;
}

export class NatsTableLog implements TableLog {
  readonly table: string;
  readonly #ctx: NatsContext;
  readonly #subject: string;
  readonly #pending: Pending[] = [];
  #rows = 0;
  #bytes = 0;
  #published = 0;
  #pushed = 0;
  /** The sequence of the backlog's last message (0: none). */
  readonly #through: number;
  /**
   * The highest sequence counted here or cut into a batch here. Adopting a message at or below it would
   * count it a second time: it is pending already, or a batch holds it.
   */
  #countedThrough = 0;
  /** The message adoptShared counted last, with its own rows: its acknowledgement here adds nothing. */
  #adopted = 0;
  readonly #recovered = Promise.withResolvers<void>();

  constructor(table: string, ctx: NatsContext, backlog?: Backlog) {
    this.table = table;
    this.#ctx = ctx;
    this.#subject = `${ctx.opts.subjectPrefix}.${table}`;
    // Rows left by an earlier run are due at once (at = 0), a chunk of messages at a time.
    for (const c of backlog?.chunks ?? []) this.#push({ seq: c.seq, at: 0, rows: c.rows, bytes: c.bytes });
    this.#through = backlog?.through ?? 0;
    if (this.#through === 0) this.#recovered.resolve();
  }

  /**
   * Resolves once a batch through the backlog's last message is in the store. Counting delivered rows
   * would not do: a batch replayed after a failed commit is delivered (and counted) twice.
   */
  get recovered(): Promise<void> {
    return this.#recovered.promise;
  }

  get pending(): { rows: number; bytes: number; oldestAt: number | undefined } {
    return { rows: this.#rows, bytes: this.#bytes, oldestAt: this.#pending[0]?.at };
  }

  async append(lines: Buffer, rows: number): Promise<void> {
    if (!this.#ctx.connected()) throw this.#overloaded('NATS is unreachable');
    // Retrying would never help: refuse it like a bad request (nothing was queued).
    if (lines.length + HEADROOM > this.#ctx.maxPayload())
      throw new IngestError(
        'INVALID_EVENT',
        `${rows} rows (${lines.length} bytes) exceed the NATS max_payload; send fewer at a time`,
        { details: { bytes: lines.length, maxPayload: this.#ctx.maxPayload() } },
      );
    // The client queues what it publishes by reference and, while disconnected, keeps it queued past a
    // publish that timed out: a copy of its own, since `lines` is the caller's again once this settles.
    const payload = Buffer.from(lines);
    const h = headers();
    h.set(ROWS_HEADER, String(rows));
    const msgID = `${this.#ctx.instance}.${this.table}.${++this.#published}`;
    const opts = { msgID, headers: h, timeout: this.#ctx.opts.publishTimeoutMs };
    let ack: { seq: number } | undefined;
    // One re-publish on a lost PubAck: the same Nats-Msg-Id makes it a duplicate if the first landed.
    for (let attempt = 0; ack === undefined; attempt++) {
      try {
        ack = await this.#ctx.js.publish(this.#subject, payload, opts);
      } catch (err) {
        if (attempt > 0 || !isTimeout(err) || !this.#ctx.connected()) throw this.#overloaded(err);
      }
    }
    if (ack.seq === this.#adopted) return;
    this.#push({ seq: ack.seq, at: (this.#ctx.opts.now ?? Date.now)(), rows, bytes: lines.length });
  }

  /**
   * The subject's last message, if it is past what this log counts, becomes pending here (its own rows;
   * those before it are counted as none, not known without reading them): the next takes cut through it,
   * or find it cut by another instance. Its time is now, so settled() waits until a take has passed it.
   * A message this log counts already, or has cut into a batch, is not counted again; nor is one of its own
   * appends whose acknowledgement arrives after it was adopted.
   */
  async adoptShared(): Promise<void> {
    const { jsm, stream, opts } = this.#ctx;
    const last = await jsm.streams.getMessage(stream, { last_by_subj: this.#subject });
    if (last === null || last.seq <= this.#countedThrough) return;
    this.#adopted = last.seq;
    const rows = Number(last.header?.get(ROWS_HEADER)) || 1;
    this.#push({ seq: last.seq, at: (opts.now ?? Date.now)(), rows, bytes: last.data.length });
  }

  async take(limits: TakeLimits): Promise<SpoolBatch | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#take(limits);
      } catch (err) {
        if (!isCasConflict(err) || attempt >= TAKE_ATTEMPTS) throw err;
      }
    }
  }

  async commit(batch: SpoolBatch): Promise<void> {
    // called once the batch is in the store: what it holds is recovered, whether or not the purge works
    if (batch.to >= this.#through) this.#recovered.resolve();
    await this.#ctx.jsm.streams.purge(this.#ctx.stream, { filter: this.#subject, seq: batch.to + 1 });
  }

  async #take(limits: TakeLimits): Promise<SpoolBatch | undefined> {
    const entry = await this.#ctx.cuts.get(this.table);
    const last = entry && entry.operation === 'PUT' ? (entry.json<Cut>() as Cut | undefined) : undefined;
    const cut = last?.epoch === this.#ctx.epoch ? last : undefined;
    if (cut && (await this.#uncommitted(cut))) return this.#batch(cut, await this.#replay(cut));
    // batches are cut in order, each once the one before is committed: everything through it is stored
    if (cut && cut.to >= this.#through) this.#recovered.resolve();
    const before = this.#pushed;
    const taken = await this.#read(cut ? cut.to + 1 : 1, limits);
    const first = taken[0];
    const lastTaken = taken.at(-1);
    if (!first || !lastTaken) {
      // What was acknowledged before the read began was stored before it: a batch holds it (another
      // instance's, or ours, acknowledged late), or it is gone. An append acknowledged while the read ran
      // may have been stored after it looked: it stays pending, or a drain would stop short of it.
      this.#forgetPushedThrough(before);
      return undefined;
    }
    const next: Cut = { epoch: this.#ctx.epoch, from: first.seq, to: lastTaken.seq };
    // The boundary must be durable before the insert leaves: a replay must cut the very same batch.
    const value = JSON.stringify(next);
    if (entry) await this.#ctx.cuts.update(this.table, value, entry.revision);
    else await this.#ctx.cuts.create(this.table, value);
    return this.#batch(next, taken);
  }

  /**
   * Whether the cut's last message is still stored: then it was not committed (a crash, or another
   * instance is delivering it). Asked of the stream leader: a direct get may be answered by a lagging
   * replica that has not stored the cut's messages yet, which would look like "committed" and skip them.
   */
  async #uncommitted(cut: Cut): Promise<boolean> {
    return (await this.#ctx.jsm.streams.getMessage(this.#ctx.stream, { seq: cut.to })) !== null;
  }

  /** Exactly the cut's messages; a short read (a lagging replica) must not go out under its token. */
  async #replay(cut: Cut): Promise<Stored[]> {
    const replay = await this.#read(cut.from, { maxRows: Infinity, maxBytes: Infinity }, cut.to);
    if (replay[0]?.seq !== cut.from || replay.at(-1)?.seq !== cut.to)
      throw new Error(`spool: incomplete read of ${this.table} ${cut.from}-${cut.to}; retrying`);
    return replay;
  }

  /** Messages of the subject from `from` on, within the limits (at least one) or through `through`. */
  async #read(from: number, limits: TakeLimits, through?: number): Promise<Stored[]> {
    const out: Stored[] = [];
    let rows = 0;
    let bytes = 0;
    for (let seq = from; ; ) {
      const page = await this.#page(seq);
      for (const m of page) {
        const full =
          out.length > 0 && (rows + m.rows > limits.maxRows || bytes + m.lines.length > limits.maxBytes);
        if ((through !== undefined && m.seq > through) || full) return out;
        out.push(m);
        rows += m.rows;
        bytes += m.lines.length;
      }
      const tail = page.at(-1);
      // A replay reads on until `through` (a short page is not the end); a new cut may stop early.
      if (!tail || (through === undefined ? page.length < PAGE : tail.seq >= through)) return out;
      seq = tail.seq + 1;
    }
  }

  async #page(seq: number): Promise<Stored[]> {
    const out: Stored[] = [];
    try {
      const iter = await this.#ctx.jsm.direct.getBatch(this.#ctx.stream, {
        seq,
        batch: PAGE,
        next_by_subj: this.#subject,
      });
      for await (const m of iter) {
        const lines = Buffer.from(m.data);
        const rows = Number(m.header?.get(ROWS_HEADER)) || countLines(lines);
        out.push({ seq: m.seq, rows, lines });
      }
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return out;
  }

  #batch(cut: Cut, taken: Stored[]): SpoolBatch {
    this.#countedThrough = Math.max(this.#countedThrough, cut.to);
    this.#consume(cut.to);
    return spoolBatch(
      {
        table: this.table,
        token: `${this.#ctx.stream}.${this.#ctx.epoch}.${this.table}.${cut.from}-${cut.to}`,
        from: cut.from,
        to: cut.to,
        rows: taken.reduce((n, t) => n + t.rows, 0),
      },
      piecesOf(taken.map((t) => t.lines)),
    );
  }

  #push(p: Omit<Pending, 'n'>): void {
    this.#pending.push({ ...p, n: ++this.#pushed });
    this.#countedThrough = Math.max(this.#countedThrough, p.seq);
    this.#rows += p.rows;
    this.#bytes += p.bytes;
  }

  /** Forgets the local accounting of appends through `seq` (they are cut into a batch). */
  #consume(seq: number): void {
    while (this.#pending.length > 0 && (this.#pending[0] as Pending).seq <= seq) this.#forgetFirst();
  }

  /** Forgets the entries pushed up to the `n`th. */
  #forgetPushedThrough(n: number): void {
    while (this.#pending.length > 0 && (this.#pending[0] as Pending).n <= n) this.#forgetFirst();
  }

  #forgetFirst(): void {
    const p = this.#pending.shift() as Pending;
    this.#rows -= p.rows;
    this.#bytes -= p.bytes;
  }

  #overloaded(cause: unknown): IngestError {
    const why = cause instanceof Error ? cause.message : String(cause);
    return new IngestError('OVERLOADED', `The NATS spool refused the rows (${why}); retry later.`, {
      retryAfterS: this.#ctx.opts.retryAfterSeconds,
      cause,
    });
  }
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const isTimeout = (err: unknown): boolean => /timeout|timed out/i.test(message(err));
const isNotFound = (err: unknown): boolean =>
  (err as { code?: unknown }).code === 404 || /not found/i.test(message(err));
/** KV create on an existing key, or update with a stale revision: another instance cut first. */
const isCasConflict = (err: unknown): boolean => /wrong last sequence|key exists/i.test(message(err));
