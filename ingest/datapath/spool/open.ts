// Opens the spool the configuration names: the disk write-ahead log (default) or the JetStream
// spool (cluster mode). Both implement the Spool seam of contract.ts (ADR 0001).
import type { Spool as SpoolConfig } from '../../../common/config/datapath.ts';
import type { Spool, TableLog } from '../contract.ts';
import { DiskSpool } from './disk.ts';

/** A spool plus what the pipeline reads synchronously for status snapshots and metrics. */
export interface OpenedSpool extends Spool {
  peek(table: string): TableLog | undefined;
  readonly memoryBytes: number;
}

export async function openSpool(
  config: SpoolConfig,
  now: () => number,
  onSync?: (seconds: number) => void,
): Promise<OpenedSpool> {
  if (config.kind === 'disk') return DiskSpool.open({ ...config, now, ...(onSync ? { onSync } : {}) });
  if (config.nats === undefined)
    throw new Error('spool.nats (with spool.nats.url) is required when spool.kind is nats');
  // Imported only for a NATS spool: a disk-spool ingest never loads the NATS client (~10 MiB).
  const { NatsSpool } = await import('./nats.ts');
  return NatsSpool.open({
    ...config.nats,
    maxBytes: config.maxBytes,
    retryAfterSeconds: config.retryAfterSeconds,
    now,
  });
}
