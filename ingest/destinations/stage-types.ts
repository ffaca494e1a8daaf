// The shapes of the destinations stage: what it is given (StageConfig, StageOptions), what the ingest
// holds (DestinationsStage, DestinationStatus) and one destination as planned from the configuration and
// as opened (Plan, Destination). Apart so the builder (stage.ts) and the running stage (stage-run.ts) share
// them without importing each other.
import type { Registry } from 'prom-client';
import type { Spool as SpoolConfig } from '../../common/config/datapath.ts';
import type { Delivery, Destinations as DestinationsConfig } from '../../common/config/destinations.ts';
import type { BatchConsumer } from '../datapath/index.ts';
import type { ConsentBits } from '../privacy/consent.ts';
import type { Hasher } from '../privacy/hash.ts';
import type { Backlog, Sender } from './contract.ts';
import type { ErasedRequest } from './erased/marks.ts';
import type { Forwarder, ForwarderHealth } from './forwarder.ts';
import type { DeadLetters } from './letters.ts';
import type { Selection } from './select.ts';

export interface StageConfig {
  readonly destinations: DestinationsConfig;
  readonly spool: SpoolConfig;
  readonly consentBits: ConsentBits;
}

export interface StageOptions {
  readonly registry: Registry;
  /** The ingest's keyed hasher: erased ids are kept as its digests, the same across restarts. */
  readonly hasher: Hasher;
  readonly log?: (msg: string, err?: unknown) => void;
}

export interface DestinationStatus extends ForwarderHealth {
  readonly name: string;
  readonly kind: 'facebook' | 'webhook';
  readonly deadLetters: number;
}

/** What the ingest holds: the data path's batch consumer, plus status and shutdown. */
export interface DestinationsStage extends BatchConsumer {
  status(): DestinationStatus[];
  /**
   * An accepted erase request: resolves once its mark is durable and applied by every forwarder of this
   * process (none sends an event of the person from then on) and the dead letters no longer hold them.
   */
  erase(request: ErasedRequest): Promise<void>;
  /** Forwards what is queued until the deadline, then stops; the rest stays in the backlogs. */
  close(deadlineMs: number): Promise<void>;
}

export interface Plan {
  readonly kind: DestinationStatus['kind'];
  readonly name: string;
  readonly selection: Selection;
  readonly delivery: Delivery;
  readonly sender: Sender;
  readonly maxAgeMs?: number;
}

export interface Destination extends Plan {
  readonly backlog: Backlog;
  readonly letters: DeadLetters;
  readonly forwarder: Forwarder;
}
