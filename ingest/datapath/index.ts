// The data path's public surface: what the rest of the ingest imports.
export { DEFAULT_SETTINGS, TABLE_DEFAULTS, type TableSettings } from './batching/defaults.ts';
export { type Clock, ManualClock, systemClock } from './clock.ts';
export type {
  BatchConsumer,
  ConsumedBatch,
  DataPath,
  DataPathStatus,
  Spool,
  SpoolBatch,
  SpoolState,
  TableLog,
} from './contract.ts';
export { createDataPath, type DataPathConfig, type DataPathOptions } from './datapath.ts';
export { MAX_JSON_DEPTH } from './insertable.ts';
export { keepReplicas } from './spool/nats-replicas.ts';
export { openSpool } from './spool/open.ts';
