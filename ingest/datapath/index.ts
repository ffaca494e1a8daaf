// The data path's public surface (issue 3): what the API layer and the operator import.
export { type Clock, ManualClock, systemClock } from './clock.ts';
export type { DataPath, DataPathStatus, Row, Spool, SpoolBatch, Store, TableLog } from './contract.ts';
export { createDataPath, type DataPathConfig, type DataPathOptions } from './datapath.ts';
export { DataPathError, type DataPathErrorCode, DataPathErrors, isDataPathError } from './errors.ts';
export { createStore } from './store/index.ts';
