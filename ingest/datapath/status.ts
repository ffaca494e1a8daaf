// The data path's snapshot for /status and /ready (and the queue gauges): read from the spool, the breaker
// and the deliverer, never on the append path.
import type { StoreRefusal } from '../../store/index.ts';
import type { BreakerState } from './batching/breaker.ts';
import type { DataPathStatus, SpoolState } from './contract.ts';
import type { OpenedSpool } from './spool/open.ts';

/** What the snapshot is read from: the pipeline's parts, as they are when it is taken. */
export interface StatusSources {
  readonly spool: OpenedSpool;
  readonly draining: boolean;
  readonly breaker: BreakerState;
  readonly storeRefused: StoreRefusal | undefined;
  readonly deadLetters: number;
}

export function dataPathStatus(from: StatusSources): DataPathStatus {
  const { spool, draining, storeRefused } = from;
  const queues: Record<string, { rows: number; bytes: number }> = {};
  for (const table of spool.tables()) {
    const log = spool.peek(table);
    if (log) queues[table] = { rows: log.pending.rows, bytes: log.pending.bytes };
  }
  const reason = draining ? 'draining: the process is stopping' : spool.refusal();
  return {
    ready: reason === undefined,
    ...(reason === undefined ? {} : { reason }),
    draining,
    breaker: from.breaker,
    ...(storeRefused === undefined ? {} : { storeRefused }),
    spoolBytes: spool.bytes,
    spool: spoolState(spool),
    queues,
    deadLetters: from.deadLetters,
  };
}

function spoolState(spool: OpenedSpool): SpoolState {
  return spool.kind === 'nats'
    ? { kind: spool.kind, connected: spool.refusal() === undefined }
    : { kind: spool.kind };
}
