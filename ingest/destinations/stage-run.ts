// The destinations stage once running (stage.ts builds it): the data path's consumer of spool batches,
// which feeds each destination's backlog, plus erase requests, status and shutdown.
// Feeding never waits for a destination: a full backlog refuses at once, and the events it could not
// take are counted and recorded in the destination's dead letters (they stay in ClickHouse).
// An erase request reaches the stage through erase(): its mark is recorded where every forwarder reads
// it (erased/), and the dead letters are rewritten without the person's events, before it resolves.
import type { NatsConnection } from '@nats-io/transport-node';
import type { ConsumedBatch } from '../datapath/index.ts';
import type { ConsentBits } from '../privacy/consent.ts';
import type { Appended } from './contract.ts';
import type { ErasedIds } from './erased/erased.ts';
import type { ErasedRequest } from './erased/marks.ts';
import type { DestinationMetrics } from './metrics.ts';
import { pause } from './pace.ts';
import { type Parsed, parseLines, select } from './select.ts';
import type { Destination, DestinationStatus, DestinationsStage } from './stage-types.ts';

/** How often marks no backlog needs any more are looked for. */
const PRUNE_EVERY_MS = 3600_000;

/** Attempts of a feed that failed for another reason than a full backlog (a hiccup of the disk or NATS). */
const FEED_ATTEMPTS = 3;

/** Bytes of rows per append once a batch does not fit whole: a quarter of the smallest backlog allowed (1 MiB). */
const APPEND_BYTES = 256 * 1024;

const linesOf = (rows: readonly Parsed[]): Buffer => Buffer.concat(rows.map((p) => p.line));

/** The rows in consecutive pieces of at most APPEND_BYTES (a longer row is a piece of its own). */
function piecesOf(rows: readonly Parsed[]): Parsed[][] {
  const pieces: Parsed[][] = [];
  let piece: Parsed[] = [];
  let bytes = 0;
  for (const row of rows) {
    if (piece.length > 0 && bytes + row.line.length > APPEND_BYTES) {
      pieces.push(piece);
      piece = [];
      bytes = 0;
    }
    piece.push(row);
    bytes += row.line.length;
  }
  if (piece.length > 0) pieces.push(piece);
  return pieces;
}

export class Stage implements DestinationsStage {
  readonly #destinations: readonly Destination[];
  readonly #bits: ConsentBits;
  readonly #metrics: DestinationMetrics;
  readonly #log: (msg: string, err?: unknown) => void;
  readonly #nc: NatsConnection | undefined;
  readonly #erased: ErasedIds;
  readonly #pruning: NodeJS.Timeout;

  constructor(
    destinations: readonly Destination[],
    bits: ConsentBits,
    metrics: DestinationMetrics,
    log: (msg: string, err?: unknown) => void,
    nc: NatsConnection | undefined,
    erased: ErasedIds,
  ) {
    this.#destinations = destinations;
    this.#bits = bits;
    this.#metrics = metrics;
    this.#log = log;
    this.#nc = nc;
    this.#erased = erased;
    this.#pruning = setInterval(() => void this.#prune(), PRUNE_EVERY_MS).unref();
    // A mark another instance recorded (a shared store) reaches this instance's dead letters too; and those
    // of marks recorded while this instance was stopped, or before a crash cut a rewrite short, at start.
    erased.onMark(() => void this.#eraseLetters().catch(() => undefined));
    if (erased.size > 0) void this.#eraseLetters().catch(() => undefined);
  }

  async erase(request: ErasedRequest): Promise<void> {
    await this.#erased.record(request);
    await this.#eraseLetters();
    await this.#prune();
  }

  /** Every destination's dead letters without the events of erased persons; rejects if one cannot be. */
  async #eraseLetters(): Promise<void> {
    for (const d of this.#destinations) {
      const removed = await d.letters.erase(this.#erased.matches).catch((err: unknown) => {
        this.#log(`destination ${d.name}: dead letters of erased persons not removed (tried again)`, err);
        throw err;
      });
      if (removed > 0)
        this.#log(
          `destination ${d.name}: ${removed} dead letters of erased persons removed from ${d.letters.path}`,
        );
    }
  }

  async #prune(): Promise<void> {
    const emptyAt = this.#destinations.map((d) => d.forwarder.emptyAt());
    await this.#erased
      .prune(Date.now(), emptyAt)
      .catch((err: unknown) => this.#log('erased ids: marks no longer needed could not be removed', err));
  }

  async consume(batch: ConsumedBatch): Promise<void> {
    if (batch.table !== 'events') return;
    let rows: Parsed[] | undefined;
    for (const d of this.#destinations) {
      const mark = await d.backlog.fed(batch.table).catch(() => undefined);
      if (mark !== undefined && mark.source === batch.source && batch.to <= mark.to) continue;
      rows ??= parseLines(await batch.lines());
      await this.#feed(d, batch, rows);
    }
  }

  async #feed(d: Destination, batch: ConsumedBatch, rows: readonly Parsed[]): Promise<void> {
    const { picked, notRouted, noConsent } = select(rows, d.selection, this.#bits);
    this.#metrics.skipped.inc({ destination: d.name, reason: 'not_routed' }, notRouted);
    this.#metrics.skipped.inc({ destination: d.name, reason: 'no_consent' }, noConsent);
    if (picked.length > 0)
      await this.#queue(d, picked, `${batch.source}.${batch.table}.${batch.from}-${batch.to}`);
    await d.backlog.markFed(batch.table, { source: batch.source, to: batch.to }).catch(() => undefined);
  }

  /**
   * Appends the picked rows as one (one durable write, as a feed always was), and only when the backlog
   * refuses them as full, in pieces of at most APPEND_BYTES as far as it takes them: a batch larger than
   * the room left queues what fits instead of nothing (an empty backlog refused a batch above its
   * backlogBytes whole). The rest is recorded as dropped.
   */
  async #queue(d: Destination, picked: readonly Parsed[], id: string): Promise<void> {
    const whole = await this.#append(d, linesOf(picked), picked.length, id);
    const queued = whole.stored ? picked.length : whole.full ? await this.#queuePieces(d, picked, id) : 0;
    if (!whole.stored && !whole.full) await this.#dropped(d, picked, whole);
    if (queued === 0) return;
    this.#metrics.queued.inc({ destination: d.name }, queued);
    d.forwarder.notify();
  }

  /** The rows appended piece by piece until one is refused; those left are dropped. How many were queued. */
  async #queuePieces(d: Destination, picked: readonly Parsed[], id: string): Promise<number> {
    let queued = 0;
    for (const [i, piece] of piecesOf(picked).entries()) {
      const result = await this.#append(d, linesOf(piece), piece.length, `${id}.${i}`);
      if (!result.stored) {
        await this.#dropped(d, picked.slice(queued), result);
        break;
      }
      queued += piece.length;
    }
    return queued;
  }

  async #append(d: Destination, lines: Buffer, rows: number, id: string): Promise<Appended> {
    let result = await d.backlog.append(lines, rows, id).catch(failed);
    for (let attempt = 1; !result.stored && !result.full && attempt < FEED_ATTEMPTS; attempt++) {
      await pause(250 * attempt, AbortSignal.timeout(60_000));
      result = await d.backlog.append(lines, rows, id).catch(failed);
    }
    return result;
  }

  async #dropped(d: Destination, rows: readonly Parsed[], result: Appended & { stored: false }) {
    const reason = result.full ? 'backlog_full' : 'backlog_error';
    this.#metrics.failed.inc({ destination: d.name, reason }, rows.length);
    this.#log(`destination ${d.name}: ${rows.length} events not queued (${result.reason})`);
    await d.letters
      .dropped(
        rows.map((p) => p.row),
        `not queued: ${result.reason}`,
      )
      .catch((err) => this.#log(`destination ${d.name}: dead letters unwritable`, err));
  }

  status(): DestinationStatus[] {
    return this.#destinations.map((d) => ({
      name: d.name,
      kind: d.kind,
      deadLetters: d.letters.count,
      ...d.forwarder.health(),
    }));
  }

  async close(deadlineMs: number): Promise<void> {
    clearInterval(this.#pruning);
    await Promise.all(this.#destinations.map((d) => d.forwarder.close(deadlineMs)));
    for (const d of this.#destinations) await d.backlog.close().catch(() => undefined);
    await this.#erased.close().catch(() => undefined);
    if (this.#nc !== undefined && !this.#nc.isClosed()) await this.#nc.close();
  }
}

const failed = (err: unknown) => ({ stored: false as const, full: false, reason: (err as Error).message });
