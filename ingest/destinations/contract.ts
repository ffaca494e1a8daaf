// The seams of the destinations stage: what a destination's sender answers, and the durable backlog a
// destination reads from (a disk write-ahead log, or a JetStream stream with a durable consumer).

/** An `events` row exactly as it was stored (one JSONEachRow line, parsed). */
export type StoredEvent = Readonly<Record<string, unknown>> & { readonly eid?: unknown };

/**
 * What one request achieved. `retry`: nothing was refused for good (network, timeout, 408, 429, 5xx,
 * rejected credentials, a rate limit): send the same events again later. `refused`: the destination
 * said these events will never be accepted (another 4xx): isolate the offending ones, dead-letter them.
 */
export type SendOutcome =
  | { readonly kind: 'sent' }
  | { readonly kind: 'retry'; readonly reason: string; readonly retryAfterMs?: number }
  | { readonly kind: 'refused'; readonly reason: string };

export interface Sender {
  /** One request carrying these events (at most the destination's maxEventsPerRequest). */
  send(events: readonly StoredEvent[], signal: AbortSignal): Promise<SendOutcome>;
}

/** A slice of a backlog handed to the forwarder; it stays in the backlog until `done`. */
export interface Taken {
  readonly lines: Buffer;
  readonly rows: number;
}

export interface TakeLimits {
  readonly maxRows: number;
  readonly maxBytes: number;
}

/** Where a batch fed to a destination came from, so a batch the spool replays is not queued twice. */
export interface FedMark {
  readonly source: string;
  readonly to: number;
}

export type Appended =
  | { readonly stored: true }
  | { readonly stored: false; readonly full: boolean; readonly reason: string };

export interface Backlog {
  /**
   * Durably queue rows (JSON lines) for the destination. `id` names them (a replayed feed has the same
   * id). Resolves `{stored: false}` when the backlog is full (`full`) or could not be written: it never
   * waits for room.
   */
  append(lines: Buffer, rows: number, id: string): Promise<Appended>;
  /** The next slice within the limits, or undefined when none is ready (it may wait briefly for one). */
  next(limits: TakeLimits): Promise<Taken | undefined>;
  /** The slice was handled (sent or dead-lettered): it is never handed out again. */
  done(taken: Taken): Promise<void>;
  /** The slice is still being worked on (long retries): do not hand it to another instance. */
  keepAlive(taken: Taken): void;
  /** How often keepAlive must be called while a slice waits (none: the backlog has no deadline). */
  readonly keepAliveMs?: number;
  /** The last batch fed for `table`, and recording it. */
  fed(table: string): Promise<FedMark | undefined>;
  markFed(table: string, mark: FedMark): Promise<void>;
  /** Bytes waiting, and events when the backlog knows them (a shared stream counts messages only). */
  pending(): Promise<{ bytes: number; rows?: number }>;
  close(): Promise<void>;
}
