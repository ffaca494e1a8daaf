// createStore: the one place a store configuration becomes a Store.
import type { Store as StoreConfig } from '../../../common/config/datapath.ts';
import type { Store } from '../contract.ts';
import { ClickHouseStore } from './clickhouse.ts';
import { EmbeddedStore } from './embedded.ts';

/** Async because the embedded engine is loaded lazily (see EmbeddedStore.open). */
export async function createStore(config: StoreConfig): Promise<Store> {
  if (config.kind === 'embedded') return EmbeddedStore.open({ path: config.path, database: config.database });
  return new ClickHouseStore(config);
}

export { ClickHouseStore, type ClickHouseStoreOptions } from './clickhouse.ts';
export { EmbeddedStore, type EmbeddedStoreOptions } from './embedded.ts';
