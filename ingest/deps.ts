// Everything buildApp needs, injected so tests can swap any part (a test-double data path, a fixed clock,
// a real NATS connection). server.ts builds the production set in one place.
import type { Registry } from 'prom-client';
import type { ApiKeyStore } from './auth/api-keys.ts';
import type { ReadCredential } from './auth/credential.ts';
import type { Config } from './config.ts';
import type { DataPath } from './datapath/index.ts';
import type { DestinationsStage } from './destinations/index.ts';
import type { EraseJournal } from './erasure/index.ts';
import type { GeoIp } from './geoip/geoip.ts';
import type { EventPublisher } from './nats/publisher.ts';
import type { RateLimiter } from './plugins/rate-limit/limiter.ts';
import type { Hasher } from './privacy/hash.ts';
import type { SaltStore } from './privacy/salts.ts';
import type { Repositories } from './repositories/index.ts';
import type { SchemaWatch } from './schema-check.ts';

export interface AppDeps {
  readonly config: Config;
  readonly dataPath: DataPath;
  readonly geo: GeoIp;
  readonly hasher: Hasher;
  readonly salts: SaltStore;
  readonly limiter: RateLimiter;
  readonly apiKeys: ApiKeyStore;
  /** Accepted erase requests not yet finished, on disk: resumed at the next start if the process stops. */
  readonly erasureJournal: EraseJournal;
  /** Every read a request makes (SQL lives there, never in a route). */
  readonly repositories: Repositories;
  /** Forwarding of stored events to destinations; absent when none is configured. */
  readonly destinations?: Pick<DestinationsStage, 'status' | 'erase'>;
  /** A clickhouse store's schema version beside the one this ingest needs (/status); absent on the embedded store. */
  readonly schema?: Pick<SchemaWatch, 'status'>;
  /** NATS fan-out of accepted events; absent when NATS publishing is off. */
  readonly publisher?: EventPublisher;
  readonly now?: () => number;
  /** Prometheus registry shared with the data path, so /metrics shows both. */
  readonly registry?: Registry;
  readonly build?: { readonly version: string; readonly commit?: string };
  /** The read credential the dashboard asks for (and the SQL endpoint); absent when nothing needs it. */
  readonly readCredential?: ReadCredential;
  /** TLS material for HTTPS; the server reloads it on file change through the returned app.server. */
  readonly https?: { readonly key: Buffer; readonly cert: Buffer };
}
