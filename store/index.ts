// The store package: one contract (contract.ts), two implementations, and createStore, the one place a
// store configuration becomes a Store. Shared by the ingest's data path, the schema runner and the operator.
import { existsSync } from 'node:fs';
import {
  ENGINE_NICE,
  IDLE_CODE_RELEASE_SECONDS,
  type Store as StoreConfig,
} from '../common/config/datapath.ts';
import { ClickHouseStore } from './clickhouse.ts';
import type { Store } from './contract.ts';
import { EmbeddedStore } from './embedded.ts';

/** Async because the embedded engine is loaded lazily (see EmbeddedStore.open). */
export async function createStore(config: StoreConfig): Promise<Store> {
  if (config.kind === 'embedded') {
    const { path, database, engineNice = ENGINE_NICE } = config;
    const idleCodeReleaseSeconds = config.idleCodeReleaseSeconds ?? IDLE_CODE_RELEASE_SECONDS;
    return EmbeddedStore.open({ path, database, engineNice, idleCodeReleaseSeconds });
  }
  return new ClickHouseStore(config);
}

/**
 * A tool that reads or changes what an ingest stored (query, prune) must not open an embedded data directory
 * that does not exist: the engine would create an empty one there and the tool would answer about nothing
 * (no rows, every table missing). The problem line, or undefined when the store is there or is a server.
 */
export function missingEmbeddedData(config: StoreConfig): string | undefined {
  if (config.kind !== 'embedded' || existsSync(config.path)) return undefined;
  return `no data at ${config.path}: run this where the ingest ran (make run's directory), or give its --config`;
}

export { ClickHouseStore, type ClickHouseStoreOptions } from './clickhouse.ts';
export type { BodyBuffers, BodyReader, JsonLines, Row, SqlRunner, Store } from './contract.ts';
export { EmbeddedStore, EmbeddedStoreLocked, type EmbeddedStoreOptions } from './embedded.ts';
export {
  authenticationFailed,
  clickhouseCode,
  type InsertErrorKind,
  insertErrorKind,
  isDataError,
  REFUSAL_TEXT,
  type StoreRefusal,
  storeRefusal,
  unknownDatabase,
} from './errors.ts';
export {
  openReader,
  ReaderError,
  type ReaderOptions,
  type ReadLimits,
  type ReadRequest,
  type ReadResult,
  type SqlReader,
} from './reader.ts';
export { allPieces, joinedLines, parseJsonEachRow } from './sql.ts';
