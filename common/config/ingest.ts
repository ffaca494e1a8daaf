// The ingest configuration schema: the one definition of what a config file may say.
// The ingest loads and validates files against it; the operator embeds it in the CRD under spec.ingest
// and renders the ConfigMap from it. Unknown keys are errors everywhere (additionalProperties: false).
// Each section's schema lives in a sibling file named for its concern; this file only composes them.
import Type, { type Static } from 'typebox';
import { ApiKeys, Sites } from './access-keys.ts';
import { Batching, Spool, Store } from './datapath.ts';
import { Destinations } from './destinations.ts';
import { Dedup, GeoIp, UserAgent } from './enrichment.ts';
import { Nats } from './nats-schema.ts';
import { Privacy } from './privacy.ts';
import { RateLimits } from './rate-limits.ts';
import { Dashboard, Sql } from './reads.ts';
import { Server } from './server.ts';
import { Retention, Rollups } from './tables.ts';
import { Cors, Domains, WebSocket } from './web.ts';

const strict = { additionalProperties: false } as const;

export const IngestConfig = Type.Object(
  {
    server: Type.Optional(Server),
    cors: Type.Optional(Cors),
    domains: Type.Optional(Domains),
    store: Type.Optional(Store),
    spool: Type.Optional(Spool),
    batching: Type.Optional(Batching),
    websocket: Type.Optional(WebSocket),
    rateLimits: Type.Optional(RateLimits),
    privacy: Type.Optional(Privacy),
    retention: Type.Optional(Retention),
    rollups: Type.Optional(Rollups),
    geoip: Type.Optional(GeoIp),
    nats: Type.Optional(Nats),
    apiKeys: Type.Optional(ApiKeys),
    dedup: Type.Optional(Dedup),
    userAgent: Type.Optional(UserAgent),
    sites: Type.Optional(Sites),
    sql: Type.Optional(Sql),
    dashboard: Type.Optional(Dashboard),
    destinations: Type.Optional(Destinations),
  },
  { ...strict, $id: 'IngestConfig', description: 'Tracker ingest configuration.' },
);
export type IngestConfig = Static<typeof IngestConfig>;
