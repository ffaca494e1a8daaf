// What the JetStream spool shares with its table logs: the spool's options and one connection context.
// Its own module, so the spool (nats.ts) and its table logs (nats-table-log.ts) both depend on it and never
// on each other in a circle.
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsSpool as NatsSpoolConfig } from '../../../common/config/datapath.ts';

export interface NatsSpoolOptions extends NatsSpoolConfig {
  readonly maxBytes: number;
  readonly retryAfterSeconds: number;
  readonly now?: () => number;
}

/** What a table log needs from its spool (shared connection, stream identity, health). */
export interface NatsContext {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly cuts: KV;
  readonly stream: string;
  /** The stream's creation time: part of every dedup token, so a recreated stream never reuses one. */
  readonly epoch: string;
  /** Unique per process: the prefix of this instance's Nats-Msg-Ids. */
  readonly instance: string;
  readonly opts: NatsSpoolOptions;
  connected(): boolean;
  /** The server's max_payload: the largest append one message can carry. */
  maxPayload(): number;
}
