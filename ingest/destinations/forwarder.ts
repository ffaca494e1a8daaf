// One destination's forwarding loop: take a slice of its backlog → send it in requests of at most
// maxEventsPerRequest (rate-limited) → mark the slice done. Independent of the ingest's requests and
// of the ClickHouse delivery: a slow or dead destination only grows its own backlog.
//   transient failure      the same events again, after an exponential backoff with full jitter (or
//                          the destination's Retry-After), for as long as it takes
//   refused for good       the request is split in halves until the refused events stand alone
//                          (every other event is delivered); those go to the dead letters with the reason
//   too old (Facebook)     dead-lettered unsent: Facebook refuses a whole request for one event > 7 days
//   of an erased person    dropped unsent and not dead-lettered (counted, logged without the person's
//                          ids): checked when a slice is taken and again before every attempt, so an
//                          erase request accepted while a request is retried stops it at the next one
// A slice is marked done only once every event in it is delivered or dead-lettered, so a crash at any
// point sends it again after restart (at least once; destinations deduplicate by the event id).
import type { Delivery } from '../../common/config/destinations.ts';
import type { Backlog, Sender, SendOutcome, StoredEvent, Taken } from './contract.ts';
import type { DeadLetters } from './letters.ts';
import type { BacklogSource, DestinationMetrics } from './metrics.ts';
import { backoffMs, pause, TokenBucket } from './pace.ts';
import { parseLines } from './select.ts';

export interface ForwarderDeps {
  readonly name: string;
  readonly backlog: Backlog;
  readonly sender: Sender;
  readonly letters: DeadLetters;
  readonly metrics: DestinationMetrics;
  readonly delivery: Delivery;
  /** Events older than this are dead-lettered instead of sent. */
  readonly maxAgeMs?: number;
  /** Event time in epoch ms (for the age rule and the lag metric). */
  readonly eventTime: (row: StoredEvent) => number;
  readonly log: (msg: string, err?: unknown) => void;
  readonly random?: () => number;
  /** Whether the event is of a person an erase request named (never sent, never dead-lettered). */
  readonly erased?: (row: StoredEvent) => boolean;
  /**
   * Resolves once the marks other instances recorded are known here (a shared store); awaited before
   * every attempt. A rejection leaves the slice queued, tried again later: nothing is sent unchecked.
   */
  readonly erasedSync?: () => Promise<void>;
}

type Answered = Exclude<SendOutcome, { kind: 'retry' }>;

/** Longest sleep while the backlog is empty (a JetStream backlog may be fed by another replica). */
const IDLE_MS = 1_000;
/** How long one wait lasts when the backlog sets no keep-alive deadline. */
const KEEP_ALIVE_MS = 10_000;
/** Bytes of one slice: a request carries at most maxEventsPerRequest of them anyway. */
const SLICE_BYTES = 8 * 1024 * 1024;

class Stopped extends Error {}

/** How delivery is going, for /status: a destination that fails says why there, not only in the log. */
export interface ForwarderHealth {
  /** The request being sent was not accepted and waits for its next attempt. */
  readonly retrying: boolean;
  /** The last request not accepted (retried, or refused for good), and when. */
  readonly lastFailure?: { readonly at: string; readonly reason: string };
}

export class Forwarder implements BacklogSource {
  readonly #d: ForwarderDeps;
  readonly #bucket: TokenBucket;
  readonly #stop = new AbortController();
  /** Aborted when the process drains: a retry wait ends, and no further attempt is made. */
  readonly #drain = new AbortController();
  #wake: () => void = () => undefined;
  /** A notify that came while the loop was busy: the next idle returns at once. */
  #notified = false;
  #draining = false;
  #lagSeconds: number | undefined;
  #retrying = false;
  #lastFailure: ForwarderHealth['lastFailure'];
  #keptAliveAt = 0;
  /** When the backlog was last found empty: every event queued before then has been handled. */
  #emptyAt: number | undefined;
  #running: Promise<void> = Promise.resolve();

  constructor(deps: ForwarderDeps) {
    this.#d = deps;
    this.#bucket = new TokenBucket(deps.delivery.requestsPerSecond);
  }

  get name(): string {
    return this.#d.name;
  }

  start(): void {
    this.#running = this.#loop();
  }

  /** New events were queued: stop idling. */
  notify(): void {
    this.#notified = true;
    this.#wake();
  }

  pending(): Promise<{ bytes: number; rows?: number }> {
    return this.#d.backlog.pending();
  }

  /** When this forwarder last found its backlog empty (undefined: not since it started). */
  emptyAt(): number | undefined {
    return this.#emptyAt;
  }

  lagSeconds(): number | undefined {
    return this.#lagSeconds;
  }

  health(): ForwarderHealth {
    const last = this.#lastFailure;
    return { retrying: this.#retrying, ...(last === undefined ? {} : { lastFailure: last }) };
  }

  #failed(reason: string): void {
    this.#lastFailure = { at: new Date().toISOString(), reason };
  }

  /**
   * Forwards what the backlog holds until it is empty or the deadline passes; the rest stays queued. A
   * request the destination does not accept is not retried while draining: the backlog is durable, so a
   * dead destination is left for the next start instead of holding every stop for the whole deadline.
   */
  async close(deadlineMs: number): Promise<void> {
    this.#draining = true;
    this.#drain.abort();
    this.#wake();
    const deadline = setTimeout(() => this.#stop.abort(), deadlineMs);
    await this.#running;
    clearTimeout(deadline);
    this.#stop.abort();
  }

  async #loop(): Promise<void> {
    const limits = { maxRows: this.#d.delivery.maxEventsPerRequest, maxBytes: SLICE_BYTES };
    while (!this.#stop.signal.aborted) {
      try {
        this.#notified = false;
        const asked = Date.now();
        const taken = await this.#d.backlog.next(limits);
        if (taken === undefined) {
          this.#emptyAt = asked;
          if (this.#draining) return;
          await this.#idle();
          continue;
        }
        await this.#forward(taken);
        await this.#d.backlog.done(taken);
      } catch (err) {
        if (this.#stop.signal.aborted || err instanceof Stopped) return;
        this.#d.log(`destination ${this.#d.name}: forwarding failed; retrying`, err);
        await pause(IDLE_MS, this.#stop.signal);
      }
    }
  }

  #idle(): Promise<void> {
    if (this.#notified) {
      this.#notified = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
      void pause(IDLE_MS, this.#stop.signal).then(resolve);
    });
  }

  async #forward(taken: Taken): Promise<void> {
    const rows = this.#unerased(parseLines(taken.lines).map((p) => p.row));
    const now = Date.now();
    const maxAge = this.#d.maxAgeMs;
    const expired = maxAge === undefined ? [] : rows.filter((r) => now - this.#d.eventTime(r) > maxAge);
    if (expired.length > 0) {
      await this.#d.letters.refused(expired, `expired: event_time more than ${maxAge} ms before sending`);
      this.#d.metrics.failed.inc({ destination: this.#d.name, reason: 'expired' }, expired.length);
    }
    const fresh = expired.length === 0 ? rows : rows.filter((r) => !expired.includes(r));
    const size = this.#d.delivery.maxEventsPerRequest;
    for (let i = 0; i < fresh.length; i += size) await this.#deliver(fresh.slice(i, i + size), taken);
  }

  /** Sends the events; refused requests are halved until each refused event stands alone. */
  async #deliver(events: StoredEvent[], taken: Taken): Promise<void> {
    const pieces = [events];
    const refused: string[] = [];
    while (pieces.length > 0) {
      const piece = pieces.pop() as StoredEvent[];
      const outcome = await this.#sendUntilAnswered(piece, taken);
      if (outcome.kind === 'narrowed') {
        if (outcome.events.length > 0) pieces.push(outcome.events);
      } else if (outcome.kind === 'sent') {
        this.#d.metrics.sent.inc({ destination: this.#d.name }, piece.length);
        this.#lagSeconds = (Date.now() - Math.max(...piece.map(this.#d.eventTime))) / 1000;
      } else if (piece.length === 1) {
        await this.#d.letters.refused(piece, outcome.reason);
        this.#d.metrics.failed.inc({ destination: this.#d.name, reason: 'refused' });
        refused.push(outcome.reason);
      } else {
        const mid = Math.ceil(piece.length / 2);
        pieces.push(piece.slice(mid), piece.slice(0, mid));
      }
    }
    if (refused.length > 0) this.#logRefused(refused);
  }

  /**
   * Once per request cut into refused events, not per event: a destination that refuses everything (a
   * wrong URL answering 404) says so in the log, where the other failures are, and where they went.
   */
  #logRefused(reasons: readonly string[]): void {
    const { name, letters } = this.#d;
    this.#d.log(
      `destination ${name}: ${reasons.length} events refused for good (${reasons[0]}); dead letters in ${letters.path}`,
    );
  }

  /**
   * The events without those of erased persons (counted, and logged once per call that drops any: the
   * count and the destination, never an id).
   */
  #unerased(events: StoredEvent[]): StoredEvent[] {
    const erased = this.#d.erased;
    if (erased === undefined) return events;
    const kept = events.filter((e) => !erased(e));
    const dropped = events.length - kept.length;
    if (dropped === 0) return events;
    this.#d.metrics.erased.inc({ destination: this.#d.name }, dropped);
    this.#d.log(`destination ${this.#d.name}: ${dropped} events of erased persons dropped unsent`);
    return kept;
  }

  /** Sends until answered; `narrowed` when an erase request took events out of it since the last attempt. */
  async #sendUntilAnswered(
    events: StoredEvent[],
    taken: Taken,
  ): Promise<Answered | { kind: 'narrowed'; events: StoredEvent[] }> {
    const { delivery, metrics, name } = this.#d;
    for (let attempt = 0; ; attempt++) {
      await this.#bucket.take(this.#stop.signal);
      if (this.#stop.signal.aborted) throw new Stopped();
      await this.#d.erasedSync?.();
      const kept = this.#unerased(events);
      if (kept !== events) return { kind: 'narrowed', events: kept };
      this.#keepAlive(taken);
      const end = metrics.requestSeconds.startTimer({ destination: name });
      const outcome = await this.#d.sender.send(events, this.#stop.signal);
      end();
      this.#retrying = outcome.kind === 'retry';
      if (outcome.kind !== 'sent') this.#failed(outcome.reason);
      if (outcome.kind !== 'retry') return outcome;
      if (this.#stop.signal.aborted || this.#draining) throw new Stopped();
      metrics.retries.inc({ destination: name });
      if (attempt % 10 === 0)
        this.#d.log(
          `destination ${name}: ${events.length} events not accepted (${outcome.reason}); retrying`,
        );
      const backoff = backoffMs(attempt, delivery.backoffMs, delivery.maxBackoffMs, this.#d.random);
      await this.#wait(Math.min(delivery.maxBackoffMs, Math.max(outcome.retryAfterMs ?? 0, backoff)), taken);
      if (this.#draining) throw new Stopped();
    }
  }

  /** Waits while telling the backlog the slice is still being worked on. */
  async #wait(ms: number, taken: Taken): Promise<void> {
    const step = this.#d.backlog.keepAliveMs ?? KEEP_ALIVE_MS;
    for (let left = ms; left > 0 && !this.#stop.signal.aborted && !this.#draining; left -= step) {
      this.#keepAlive(taken);
      await pause(Math.min(left, step), AbortSignal.any([this.#stop.signal, this.#drain.signal]));
    }
  }

  /** At most once per keep-alive period: a slice sent in many requests stays ours between them too. */
  #keepAlive(taken: Taken): void {
    const every = this.#d.backlog.keepAliveMs;
    if (every === undefined || Date.now() - this.#keptAliveAt < every) return;
    this.#keptAliveAt = Date.now();
    this.#d.backlog.keepAlive(taken);
  }
}
