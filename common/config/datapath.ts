// Data-path section of the ingest configuration: stores, spool and per-table batching.
// Single source of truth: the ingest validates its config file against these schemas and the operator's
// TrackerCluster CRD embeds them under spec.ingest, so the two cannot drift.
import Type, { type Static } from 'typebox';

/** The six batching strategies (the Go tracker's, so its per-table settings carry over). */
export const BatchStrategy = Type.Union(
  [
    Type.Literal('immediate'),
    Type.Literal('time'),
    Type.Literal('size'),
    Type.Literal('hybrid'),
    Type.Literal('memory'),
    Type.Literal('adaptive'),
  ],
  { description: 'How a table queue decides when to flush.' },
);
export type BatchStrategy = Static<typeof BatchStrategy>;

/** Per-table batching; every field is optional and falls back to the table's built-in default. */
export const TableBatching = Type.Object(
  {
    strategy: Type.Optional(BatchStrategy),
    maxRows: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Flush at this many rows.' }),
    ),
    maxDelayMs: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 600_000, description: 'Flush when the oldest row is this old.' }),
    ),
    maxBytes: Type.Optional(
      Type.Integer({
        minimum: 1024,
        maximum: 1_073_741_824,
        description: 'Flush at this many queued bytes.',
      }),
    ),
    priority: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, description: '1 flushes first.' })),
    retries: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 100,
        description:
          'Fast retries of a failed insert (exponential from backoffMs) before it waits the longest.',
      }),
    ),
    backoffMs: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 600_000,
        description: 'First wait before a retry; doubles per retry.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type TableBatching = Static<typeof TableBatching>;

/** The circuit breaker around the store. */
export const Breaker = Type.Object(
  {
    failureThreshold: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 5,
      description: 'Consecutive failures that open it.',
    }),
    openMs: Type.Integer({
      minimum: 10,
      maximum: 600_000,
      default: 1_000,
      description: 'First open period; doubles per failed probe.',
    }),
    maxOpenMs: Type.Integer({
      minimum: 10,
      maximum: 3_600_000,
      default: 30_000,
      description: 'Longest open period: the doubling stops here.',
    }),
  },
  {
    additionalProperties: false,
    description: 'The circuit breaker around the store: open after failures, probed with doubling pauses.',
  },
);
export type Breaker = Static<typeof Breaker>;

export const Batching = Type.Object(
  {
    maxConcurrentFlushes: Type.Integer({
      minimum: 1,
      maximum: 64,
      default: 4,
      description: 'Bulk flushes running at once across tables; immediate tables never wait for a slot.',
    }),
    breaker: Type.Optional(Breaker),
    tables: Type.Optional(
      Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' }), TableBatching, {
        maxProperties: 64,
        description: 'Overrides per table name; unknown table names are rejected when the config is loaded.',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'How accepted events are grouped into inserts, per table, and how many flushes run at once.',
  },
);
export type Batching = Static<typeof Batching>;

/** The embedded engine's threads run this much below the event loop unless configured otherwise. */
export const ENGINE_NICE = 10;

/** How often the embedded store unmaps the code the process is not running (common/idle-code.ts) unless configured otherwise. */
export const IDLE_CODE_RELEASE_SECONDS = 300;

export const EmbeddedStore = Type.Object(
  {
    kind: Type.Literal('embedded', {
      description:
        'embedded: the chdb engine in this process, on store.path (the ingest creates its tables at start).',
    }),
    path: Type.String({
      minLength: 1,
      default: './data/chdb',
      description: 'Directory of the chdb session.',
    }),
    database: Type.String({
      pattern: '^[a-z_][a-z0-9_]{0,62}$',
      default: 'tracker',
      description: "Database of the tracker's tables (created with them).",
    }),
    engineNice: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 19,
        default: ENGINE_NICE,
        description:
          'Nice value of the engine and libuv threads (every thread but the event loop and V8 helpers), so requests are acknowledged ahead of inserts and merges on a shared core; 0 leaves them at the process priority.',
      }),
    ),
    idleCodeReleaseSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 86_400,
        default: IDLE_CODE_RELEASE_SECONDS,
        description:
          'When the store opens and then every this many seconds, unmap the pages of the engine library and node that are only clean file pages (Linux): code that runs again maps back from the page cache, so the process keeps only the code in use resident (~90 MiB less under load). 0 never does.',
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * Who applies the schema of a clickhouse store: the remedy the ingest names while it is missing or behind.
 * The operator renders `operator`; absent, `migrate` (tracker migrate, or the Job of tracker render
 * --with-schema-job).
 */
export const SchemaOwner = Type.Union([Type.Literal('migrate'), Type.Literal('operator')], {
  description:
    'Who applies the schema here, for the remedy the ingest names while it is missing or behind. migrate (absent: the same): tracker migrate, or on Kubernetes without the operator the Job of tracker render --with-schema-job. operator: the Tracker operator, whose TrackerCluster condition SchemaReady says why not (the operator renders this); tracker migrate then refuses to apply it unless given --force.',
});
export type SchemaOwner = Static<typeof SchemaOwner>;

export const ClickHouseStore = Type.Object(
  {
    kind: Type.Literal('clickhouse', {
      description:
        'clickhouse: a server or cluster over HTTP(S), at store.url. The ingest creates no tables there: tracker migrate applies the schema (on Kubernetes the operator does, or the Job of tracker render --with-schema-job); until then the ingest warns once at start naming it and keeps the events in its spool.',
    }),
    url: Type.String({
      pattern: '^https?://',
      description: 'HTTP(S) endpoint of a server or a load balancer.',
    }),
    database: Type.String({
      pattern: '^[a-z_][a-z0-9_]{0,62}$',
      default: 'tracker',
      description: "Database of the tracker's tables (created with them).",
    }),
    username: Type.String({ default: 'default', description: 'ClickHouse user.' }),
    passwordFile: Type.Optional(
      Type.String({ description: 'File holding the password (a mounted Secret).' }),
    ),
    cluster: Type.Optional(
      Type.String({ description: 'Cluster name: selects the cluster schema rendering.' }),
    ),
    hostUrls: Type.Optional(
      Type.Array(Type.String({ pattern: '^https?://' }), {
        minItems: 1,
        maxItems: 1024,
        description:
          "Every server, when each holds its own single-node tables behind url (no cluster: e.g. the operator in per-replica schema mode): mutations (erasure, tracker prune) run on each, an erasure reads the person's linked ids and IPs from each, and an erase request's status is its latest on any of them (while one cannot be read, the status read answers 503 OVERLOADED with Retry-After); inserts and other reads go to url.",
      }),
    ),
    requestTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 600_000,
      default: 30_000,
      description: 'Longest wait for one request to ClickHouse.',
    }),
    schemaOwner: Type.Optional(SchemaOwner),
  },
  { additionalProperties: false },
);

/** The embedded engine unless configured otherwise (the CRD leaves the store out: the operator sets it). */
export const Store = Type.Union([EmbeddedStore, ClickHouseStore], { default: { kind: 'embedded' } });
export type Store = Static<typeof Store>;

/** The JetStream spool (spool.kind: nats, cluster mode; ADR 0001): one stream, a subject per table. */
export const NatsSpool = Type.Object(
  {
    url: Type.String({
      pattern: '^(nats|tls)://',
      description: 'nats://host:port of the JetStream cluster (comma-separated for several seeds).',
    }),
    stream: Type.String({
      pattern: '^[A-Za-z0-9_-]{1,64}$',
      default: 'TRACKER_SPOOL',
      description:
        'Stream holding the spooled rows; its cut bucket is <stream>_cuts, the erasure journal <stream>_erasures.',
    }),
    subjectPrefix: Type.String({
      pattern: '^[a-z0-9_-]+(\\.[a-z0-9_-]+)*$',
      default: 'tracker.spool',
      description: 'Rows of table T are published on <subjectPrefix>.T.',
    }),
    replicas: Type.Integer({
      minimum: 1,
      maximum: 5,
      default: 1,
      description: 'Stream and bucket replicas (cuts, erasure journal): 3 on a cluster of 3+ NATS servers.',
    }),
    publishTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 60_000,
      default: 5_000,
      description: 'Wait this long for the PubAck before answering 503.',
    }),
    duplicateWindowMs: Type.Integer({
      minimum: 1_000,
      maximum: 86_400_000,
      default: 120_000,
      description: 'Stream dedup window for a re-published append (same Nats-Msg-Id).',
    }),
  },
  {
    additionalProperties: false,
    description:
      'The JetStream spool (kind nats): its server, stream, subjects, replicas, PubAck wait and dedup window.',
  },
);
export type NatsSpool = Static<typeof NatsSpool>;

export const Spool = Type.Object(
  {
    kind: Type.Union([Type.Literal('disk'), Type.Literal('nats')], {
      default: 'disk',
      description:
        'disk: files in spool.dir, one process; nats: a JetStream stream every replica shares (spool.nats).',
    }),
    dir: Type.String({
      minLength: 1,
      default: './data/spool',
      description: 'Disk spool directory; with kind nats it still holds the dead-letter file.',
    }),
    maxBytes: Type.Integer({
      minimum: 1_048_576,
      default: 1_073_741_824,
      description: 'Full above this: 503. With kind nats, the stream max_bytes.',
    }),
    nats: Type.Optional(NatsSpool),
    segmentBytes: Type.Integer({
      minimum: 65_536,
      default: 16_777_216,
      description: "A table's spool file is continued in a new one beyond this size.",
    }),
    fsyncIntervalMs: Type.Integer({
      minimum: 0,
      maximum: 1000,
      default: 0,
      description:
        'Group-commit window. 0: adaptive (a lone append is synced at once; appends arriving during a sync share the next one).',
    }),
    groupCommitMaxWaitMs: Type.Integer({
      minimum: 0,
      maximum: 100,
      default: 2,
      description:
        'Group commit under load: when appends arrived during a sync, the next group waits until the callers that sync answered are back (as many appends as that group and those queued behind it), at most this long after the previous group began. Fewer, larger syncs: less CPU per request and more requests a second under load, at the price of up to this much latency under load. A lone append never waits. 0: sync the next group at once.',
    }),
    fsync: Type.Boolean({
      default: true,
      description:
        'false: acknowledge once written to the page cache, without fdatasync; a machine crash can lose acknowledged events.',
    }),
    memoryBytes: Type.Integer({
      minimum: 65_536,
      // 1 MiB: a batch's rows beyond it are read back from the segment files (a chunk at a time, as the
      // batch is sent, into buffers the store reuses), which the page cache usually still holds; more
      // only moves memory from the kernel's cache into the process. Under load the cache is full, so it
      // is resident memory that counts at the process's peak, and each record it takes is a copy kept
      // until its batch is stored, promoted garbage after that: 4 MiB instead of 16 lowered that peak by
      // 10-25 MiB (ADR 0048), 1 MiB instead of 4 by 8-11 more (ADR 0054), at no CPU per event
      // measurable above the run-to-run noise.
      default: 1_048_576,
      description:
        'Rows kept in memory across tables, those of batches being delivered included; beyond it pending rows are read back from disk as their batch is sent.',
    }),
    retryAfterSeconds: Type.Integer({
      minimum: 1,
      maximum: 3600,
      default: 5,
      description: 'Retry-After when full.',
    }),
    deadLetterFile: Type.Optional(
      Type.String({
        description:
          "JSON lines of rows the store refused, with the reason; an erase request rewrites it without the person's rows. Default: <dir>/dead-letters.jsonl.",
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'Where an event is made durable before the 2xx answer: a local disk journal, or NATS JetStream shared by the replicas.',
  },
);
export type Spool = Static<typeof Spool>;
