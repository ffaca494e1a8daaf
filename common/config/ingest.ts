// The ingest configuration schema: the one definition of what a config file may say.
// The ingest loads and validates files against it; the operator embeds it in the CRD under spec.ingest
// and renders the ConfigMap from it. Unknown keys are errors everywhere (additionalProperties: false).
import Type, { type Static } from 'typebox';
import { Batching, Spool, Store } from './datapath.ts';
import { Destinations } from './destinations.ts';
import { API_KEY_HASH } from './patterns.ts';

const strict = { additionalProperties: false } as const;

// An organisation id is a UUID. The pattern took any 36 hex digits and dashes, so a mistyped one
// (`0a0000000000-4000-8000-00000000000a-`) was accepted at start and the rows of its site or API key were
// stored under the zero oid, as sent by no site, without a word.
const HEX = (n: number) => `[0-9a-fA-F]{${n}}`;
const UUID_PATTERN = `^${HEX(8)}-${HEX(4)}-${HEX(4)}-${HEX(4)}-${HEX(12)}$`;

export const Tls = Type.Object(
  {
    certFile: Type.String({ minLength: 1, description: 'PEM certificate chain; reloaded when it changes.' }),
    keyFile: Type.String({ minLength: 1, description: 'PEM private key; reloaded when it changes.' }),
  },
  { ...strict, description: 'HTTPS on the public port from a PEM certificate and key; absent: plain HTTP.' },
);

/** Where the operations listener listens when server.opsHost is left out: this machine only. */
export const OPS_HOST_DEFAULT = '127.0.0.1';

/** The operations listener's address: server.opsHost, else loopback. */
export const opsHostOf = (server: { readonly opsHost?: string | undefined }): string =>
  server.opsHost ?? OPS_HOST_DEFAULT;

export const Server = Type.Object(
  {
    host: Type.String({
      maxLength: 253,
      default: '0.0.0.0',
      description:
        'Listen address; in a TrackerCluster only "0.0.0.0" or "::" (pods are reached on their pod IP).',
    }),
    port: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 8080,
      description:
        'The public port: tracking, /health, /ready, /dashboard, the browser client; 0 picks a free one.',
    }),
    opsPort: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 9464,
      description:
        'The operations listener (/metrics, /status), on server.opsHost, plain HTTP: for Prometheus and operators, never for the public (the operator admits only Prometheus to it).',
    }),
    // No schema default: the CRD embeds this schema and the apiserver would write the loopback default
    // into every TrackerCluster, where the operator must render a wildcard for Prometheus to reach pods.
    opsHost: Type.Optional(
      Type.String({
        maxLength: 253,
        description: `Listen address of the operations listener (server.opsPort), which answers without authentication. Left out: ${OPS_HOST_DEFAULT} (loopback) whatever server.host is, so exposing the public port (server.host 0.0.0.0) does not expose it; set "0.0.0.0" or "::" for a scraper on another machine or outside a container. The operator sets it to server.host in a TrackerCluster (pods are scraped on their pod IP), where only "0.0.0.0" or "::" is accepted.`,
      }),
    ),
    tls: Type.Optional(Tls),
    hstsMaxAgeS: Type.Integer({
      minimum: 0,
      maximum: 63_072_000,
      default: 31_536_000,
      description:
        'With server.tls, every answer carries Strict-Transport-Security: max-age=<this> (browsers then reach this host over HTTPS only, for that long); 0: no header. Without server.tls none is sent.',
    }),
    bodyLimitBytes: Type.Integer({
      minimum: 1024,
      maximum: 67_108_864,
      default: 1_048_576,
      description: 'Largest request body, a gzip/deflate body once inflated; a larger one is a 413.',
    }),
    trustedProxies: Type.Array(Type.String({ description: 'CIDR, e.g. 10.0.0.0/8' }), {
      default: [],
      description:
        'Peers (CIDRs) whose X-Forwarded-For and X-Forwarded-Host are believed; from others the socket address is the client.',
    }),
    requestTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 600_000,
      default: 30_000,
      description:
        'Longest a client may take to send a whole request, headers and body; then a 408 REQUEST_TIMEOUT and the connection closed (held within a tenth of it, at most 1 s late).',
    }),
    headersTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 600_000,
      default: 10_000,
      description:
        'Longest a client may take to send the request line and headers (at most server.requestTimeoutMs); then a 408 REQUEST_TIMEOUT and the connection closed.',
    }),
    maxConnections: Type.Integer({
      minimum: 0,
      maximum: 1_000_000,
      default: 10_000,
      description:
        'Most TCP connections each listener (the public HTTP or HTTPS port, server.opsPort, sql.port) holds open at once, idle keep-alive and WebSocket ones included; one more is closed at once (counted in tracker_connections_refused_total{listener}, logged at most every 10 s) and the idle keep-alive connections are let go to make room. 0: no bound.',
    }),
    shutdownGraceMs: Type.Integer({
      minimum: 0,
      maximum: 600_000,
      default: 25_000,
      description:
        'On SIGTERM, how long acknowledged events are delivered to the store before the process exits; what is left stays in the spool for the next start.',
    }),
    maxBatchEvents: Type.Integer({
      minimum: 1,
      maximum: 10_000,
      default: 1000,
      description: 'Most events one batch request (JSON array) may carry.',
    }),
    maxPendingErasures: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 100,
      description:
        'Erase requests this process runs at once (accepted and unfinished, those resumed from the journal included); past it POST /tr/v1/ppi/forget is answered 503 OVERLOADED with Retry-After and nothing is journaled. An accepted request is never dropped.',
    }),
    stateDir: Type.String({
      minLength: 1,
      default: './data',
      description:
        'Local state: the erasure journal on the disk spool (erase requests accepted and not yet finished: ' +
        'keep it on a disk that outlives the process; on the NATS spool it is the KV bucket <stream>_erasures), ' +
        'the generated hash key when privacy.hashKeyFile is not set. ' +
        'One ingest at a time uses it (state.lock names the process; a second one stops at start, unless it is spool.dir, which spool.lock holds). ' +
        "It must be writable, as every directory the ingest writes (store.path, spool.dir, destinations.dir): on a read-only or full file system, or where the ingest's user may not write, the start stops with a line naming the directory, its key, " +
        'the code (EROFS, ENOSPC, EACCES, ENOTDIR) and what to do.',
    }),
  },
  { ...strict, description: 'The listening sockets, request limits and shutdown.' },
);

export const Cors = Type.Object(
  {
    origins: Type.Array(Type.String(), {
      default: ['*'],
      description:
        'Allowed origins; "*" only without credentials. The default answers every origin, as the Go tracker did (its browser clients post cross-origin); [] turns CORS off: no answer carries a CORS header, and a preflight is answered 204 without one, so the browser of a page on another origin reports a plain CORS refusal. Which pages may read the answers, not which may write: a request from an origin not listed is still handled (a tracking event is stored) and its browser cannot read the answer, so the browser client sends it again; the origins of a site key (sites.keys) refuse writes from other origins.',
    }),
    credentials: Type.Boolean({
      default: false,
      description:
        'Allow credentialed requests (the vid cookie across origins); needs a list of origins, not "*".',
    }),
  },
  { ...strict, description: 'Which web origins a browser lets call the tracking routes.' },
);

export const Domains = Type.Object(
  {
    cookieDomain: Type.Optional(
      Type.String({
        description:
          'Domain attribute of the visitor cookies (e.g. example.com for every subdomain); default: the host.',
      }),
    ),
    shortLinkHosts: Type.Array(Type.String(), {
      default: [],
      description: "Hosts whose GET /<slug> resolves a short link; a link's urlfrom must be on one of them.",
    }),
    trackerHosts: Type.Array(Type.String(), {
      default: [],
      description:
        "Hosts serving this tracker's /tr/v1 API. A short link to a tracked redirect (/tr/v1/rdr/?url=) on one of them, or on a short-link host, resolves in one hop.",
    }),
    redirectAllowList: Type.Array(Type.String(), {
      default: [],
      description:
        'Hosts rdr/xrdr may redirect to: shop.example that host only, .example.com example.com and every subdomain of it.',
    }),
    websocketOrigins: Type.Array(Type.String(), {
      default: [],
      description: 'Origins a page may open /tr/v1/ws from (else 403); [] admits every origin.',
    }),
    defaultRedirect: Type.Optional(
      Type.String({ pattern: '^https?://', description: 'rdr/xrdr destination when no url is given.' }),
    ),
    shortLinkCacheSize: Type.Integer({
      minimum: 0,
      maximum: 10_000_000,
      default: 10_000,
      description:
        'Short links kept in memory (updated on create and delete); others are read from the store.',
    }),
  },
  {
    ...strict,
    description: 'Host names: cookies, short links, tracker hosts, redirect and WebSocket allow-lists.',
  },
);

export const WebSocket = Type.Object(
  {
    maxFrameBytes: Type.Integer({
      minimum: 1024,
      maximum: 67_108_864,
      default: 1_048_576,
      description:
        'Largest frame; the socket of a larger one is closed 1009 (Message Too Big) before the frame is read, and counted as tracker_ws_frames_total{kind="socket",outcome="BODY_TOO_LARGE"}.',
    }),
    maxDecompressedBytes: Type.Integer({
      minimum: 1024,
      maximum: 67_108_864,
      default: 1_048_576,
      description:
        'Largest declared LZ4 size accepted, checked before allocating; a frame declaring more is answered BODY_TOO_LARGE (with its ack id) and the socket closed 1009.',
    }),
    idleTimeoutMs: Type.Integer({
      minimum: 1000,
      maximum: 3_600_000,
      default: 300_000,
      description: 'A socket that sent no frame for this long is closed (1000) once its frames are answered.',
    }),
    maxConnectionsPerClient: Type.Integer({
      minimum: 0,
      maximum: 1_000_000,
      default: 100,
      description:
        'Sockets one client (an IPv4 address, an IPv6 /64) may hold open at once (each costs about 30 KB); one more upgrade is refused 429 RATE_LIMITED with Retry-After. Raise it for many browsers behind one address (an office NAT); 0: no bound.',
    }),
  },
  { ...strict, description: 'The /tr/v1/ws route: frame sizes, idle sockets, sockets per client.' },
);

export const RateLimits = Type.Object(
  {
    perIpPerDay: Type.Integer({
      minimum: 0,
      default: 0,
      description: 'Requests per day per client (an IPv4 address, an IPv6 /64); 0 disables the daily limit.',
    }),
    burst: Type.Integer({
      minimum: 0,
      default: 0,
      description: 'Requests per second per client (an IPv4 address, an IPv6 /64); 0 disables.',
    }),
    authFailuresPerMinute: Type.Integer({
      minimum: 0,
      maximum: 10_000,
      default: 10,
      description:
        'Failed authentications per minute per client (an IPv4 address, an IPv6 /64), counted per process: a refused API key or path credential on the short-link admin routes or POST /tr/v1/ppi/forget, an unknown request id on GET /tr/v1/ppi/forget/{id}, a wrong read credential at the dashboard or on the SQL endpoint (one allowance per client for both ports; the SQL endpoint answers 429 QUOTA_EXCEEDED). Past it the client is answered 429 with Retry-After before any credential is checked, until the allowance refills (this many per minute); successful requests take nothing from it. 0 disables.',
    }),
    erasuresPerMinute: Type.Integer({
      minimum: 0,
      maximum: 10_000,
      default: 5,
      description:
        "Erase requests per minute per client (an IPv4 address, an IPv6 /64) proven by a visitor token (an API key's are not counted), counted per process; past it 429 with Retry-After. 0 disables.",
    }),
    shared: Type.Union([Type.Literal('local'), Type.Literal('nats')], {
      default: 'local',
      description: 'local: counted per process; nats: counted across every replica in a NATS KV bucket.',
    }),
    kvBucket: Type.String({
      pattern: '^[A-Za-z0-9_-]+$',
      default: 'tracker_rate_limits',
      description: 'The KV bucket of the shared counts (shared: nats).',
    }),
  },
  {
    ...strict,
    description:
      'Requests per client, per day and per second, counted per process or across replicas in NATS KV; failed authentications per client and minute, counted per process.',
  },
);

export const IpMode = Type.Union([Type.Literal('keep'), Type.Literal('truncate'), Type.Literal('drop')]);

export const Privacy = Type.Object(
  {
    consentBits: Type.Record(
      Type.String({ pattern: '^[a-z][a-z0-9_]*$' }),
      Type.Integer({ minimum: 0, maximum: 62 }),
      {
        // one name per bit at most; the bound also keeps the CRD's CEL rule on the keys within budget
        maxProperties: 63,
        default: { necessary: 0, analytics: 1, marketing: 2 },
        description:
          'Names of the cflags consent bits (name → bit index), as /ppi/agree answers and destinations require them.',
      },
    ),
    analyticsBit: Type.String({ default: 'analytics', description: 'Without this consent: cookieless.' }),
    ipMode: Type.Union([IpMode], {
      default: 'truncate',
      description:
        'The client IP in every table with one: keep it, truncate it (IPv4 /24, IPv6 /48; a 6to4 address also to its IPv4 /24) or drop it.',
    }),
    hashKeyFile: Type.Optional(
      Type.String({ description: 'HMAC key for email/cell/uname and cookieless ids (a mounted Secret).' }),
    ),
    clockSkewMs: Type.Integer({
      minimum: 0,
      default: 86_400_000,
      description: 'Accepted client clock skew.',
    }),
    salts: Type.Union([Type.Literal('memory'), Type.Literal('nats')], {
      default: 'memory',
      description: 'Where daily cookieless salts live: per process, or shared by all replicas in NATS KV.',
    }),
    saltBucket: Type.String({
      pattern: '^[A-Za-z0-9_-]+$',
      default: 'tracker_salts',
      description: 'The KV bucket of the shared salts (salts: nats).',
    }),
  },
  {
    ...strict,
    description: 'Consent bits, how IP addresses are kept, hashing of identifiers, cookieless salts.',
  },
);

export const Retention = Type.Object(
  {
    defaultDays: Type.Integer({
      minimum: 0,
      default: 0,
      description:
        'Days every table with an age keeps its rows (its TTL); 0 keeps forever. On the embedded store a change applies to the existing tables at the next start (the engine removes rows already older in the background); on a ClickHouse server or cluster the operator applies spec.schema.retention (rendered here) to the existing tables at its next schema pass (tracker prune applies it to stored rows).',
    }),
    tables: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' }), Type.Integer({ minimum: 0 }), {
      maxProperties: 64,
      default: {},
      description: 'Days kept per table (0: forever) instead of defaultDays, applied as defaultDays is.',
    }),
  },
  strict,
);

/** An ename or etyp as stored: the ingest lower-cases both, so an upper-case rule could never match. */
const StoredName = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[^A-Z]+$',
  description: 'Lower case, as the ingest stores ename and etyp.',
});
const names = (defaults: string[], description: string) =>
  Type.Array(StoredName, { maxItems: 64, default: defaults, description });

/** What impression_daily counts; its materialized view reads these rules at every insert. */
export const ImpressionRules = Type.Object(
  {
    impressionEtyps: names(['impression'], 'Events with one of these etyps are impressions.'),
    impressionEnames: names([], 'Events with one of these enames are impressions too.'),
    conversionEnames: names(['conversion'], 'Events with one of these enames are conversions.'),
  },
  {
    ...strict,
    default: {},
    description: 'Which events impression_daily counts as impressions and conversions.',
  },
);

export const Rollups = Type.Object(
  { impressionDaily: ImpressionRules },
  {
    ...strict,
    description:
      'Rules of the rollups derived from events; a change applies to events inserted after it (counted rows stay as they are).',
  },
);

export const GeoIp = Type.Object(
  {
    file: Type.Optional(
      Type.String({
        description:
          'IP2Location BIN file. A newer file put in its place (write it beside, then rename it over) is used within about 20 s, without a restart, once it is whole; until then lookups keep the one in use. Lookups read a private copy in <server.stateDir>/geoip.',
      }),
    ),
    cacheSize: Type.Integer({
      minimum: 0,
      default: 10_000,
      description: 'Addresses whose lookup is remembered.',
    }),
  },
  {
    ...strict,
    description: 'Country and city lookup of the client address from an IP2Location file; absent: none.',
  },
);

export const Nats = Type.Object(
  {
    url: Type.Optional(Type.String({ description: 'nats://host:port; NATS features are off without it.' })),
    publishSubjectPrefix: Type.String({
      default: 'tracker.events',
      description: 'Accepted rows of table T are published on <publishSubjectPrefix>.T (publish: true).',
    }),
    publish: Type.Boolean({
      default: false,
      description:
        'Publish each accepted row to NATS for real-time consumers, best effort (the store is the record).',
    }),
    consume: Type.Boolean({
      default: false,
      description: "Consume the Go tracker's log/count/update subjects into their tables.",
    }),
    subjects: Type.Object(
      {
        log: Type.String({ default: 'tic.log.>', description: 'Consumed into logs.' }),
        count: Type.String({ default: 'tic.count.>', description: 'Consumed into counters.' }),
        update: Type.String({ default: 'tic.update.>', description: 'Consumed into updates.' }),
      },
      { ...strict, default: {}, description: "The Go tracker's subjects (consume: true)." },
    ),
    queueGroup: Type.String({
      default: 'tracker',
      description: 'Queue group of the consumers: each message is consumed by one replica.',
    }),
    replicas: Type.Integer({
      minimum: 1,
      maximum: 5,
      default: 1,
      description:
        'Copies of the KV buckets kept here (privacy.salts nats, rateLimits.shared nats): 3 on a cluster of 3+ NATS servers.',
    }),
  },
  {
    ...strict,
    description:
      "A NATS server for shared rate limits and salts, publishing accepted rows, and consuming the Go tracker's subjects.",
  },
);

export const ApiKey = Type.Object(
  {
    id: Type.String({ minLength: 1, description: 'Key name, shown as the updater of the rows it writes.' }),
    oid: Type.String({ pattern: UUID_PATTERN, description: 'Organisation UUID the key is scoped to.' }),
    org: Type.String({ default: '', description: 'Organisation name written with the rows.' }),
    hash: Type.String({
      pattern: API_KEY_HASH.pattern,
      description:
        'scrypt$<salt>$<hash> as node ingest/auth/api-keys.ts prints it: a 16-byte salt and a 32-byte hash, base64url (22 and 43 characters).',
    }),
  },
  strict,
);

export const ApiKeys = Type.Object(
  {
    file: Type.Optional(
      Type.String({
        description:
          'JSON array of entries shaped like apiKeys.keys ({id, oid, org, hash}; hashed keys only).',
      }),
    ),
    allowPathCredentials: Type.Boolean({
      default: false,
      description:
        "Accept the Go tracker's credentials-in-path admin form (credentials end up in access logs).",
    }),
    keys: Type.Array(ApiKey, {
      default: [],
      description: 'Inline hashed keys (same shape as the file entries).',
    }),
    requiredFor: Type.Array(Type.Union([Type.Literal('str'), Type.Literal('ltv')]), {
      default: [],
      uniqueItems: true,
      description:
        "Write routes that need `Authorization: Bearer <api key>`: `str` (server events), `ltv` (payments). What such a request writes belongs to the key's org. Empty: both take writes from anyone, as the Go tracker's did; a request that sends a Bearer key anyway has it checked (401 when wrong) and its writes bound to the key's org.",
    }),
  },
  { ...strict, description: 'Hashed API keys for the server-side routes.' },
);

export const Dedup = Type.Object(
  {
    windowMs: Type.Integer({
      minimum: 0,
      maximum: 604_800_000,
      default: 86_400_000,
      description:
        'An event whose client-supplied eid was acknowledged this recently is acknowledged again without being stored twice; 0 turns it off.',
    }),
    maxIds: Type.Integer({
      minimum: 1000,
      maximum: 10_000_000,
      default: 200_000,
      description: 'Client eids remembered (about 150 bytes each); the oldest are forgotten first.',
    }),
  },
  { ...strict, description: 'Client event ids (eid) remembered so a retried event is stored once.' },
);

export const UserAgent = Type.Object(
  {
    parse: Type.Boolean({
      default: true,
      description: 'Fill browser, browser_version, os, os_version and device from the User-Agent.',
    }),
    bots: Type.Union([Type.Literal('flag'), Type.Literal('off')], {
      default: 'flag',
      description:
        'flag: set the bot column for user agents on the maintained bot list (isbot); rows are kept.',
    }),
    extraBotPatterns: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
      default: [],
      description: 'More bot patterns (regular expressions, case-insensitive) added to the list.',
    }),
  },
  { ...strict, description: 'Parsing the User-Agent into browser, OS and device columns, and the bot flag.' },
);

export const SiteKey = Type.Object(
  {
    key: Type.String({
      pattern: '^[A-Za-z0-9_-]{8,128}$',
      description: 'Public write key, sent as site_key (path, query or body) or the X-Site-Key header.',
    }),
    oid: Type.String({ pattern: UUID_PATTERN, description: 'Organisation the events are bound to.' }),
    org: Type.String({ default: '', description: 'Organisation name the events are bound to.' }),
    origins: Type.Array(Type.String(), {
      default: [],
      description: 'Origins allowed to use the key (browser requests); empty: any.',
    }),
  },
  strict,
);

export const Sites = Type.Object(
  {
    required: Type.Boolean({
      default: false,
      description: 'Refuse tracking requests without a valid site key (401).',
    }),
    keys: Type.Array(SiteKey, { default: [], description: "The sites' public write keys." }),
  },
  { ...strict, description: 'Public site write keys that bind tracking requests to an organisation.' },
);

export const Sql = Type.Object(
  {
    enabled: Type.Optional(
      Type.Boolean({
        description:
          'Serve read-only SQL over the ClickHouse HTTP interface on its own port. Default: on with the embedded store (a ClickHouse server has its own).',
      }),
    ),
    host: Type.String({
      default: '127.0.0.1',
      description: 'Listen address; loopback keeps it on this machine.',
    }),
    port: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 8123,
      description: 'Port of the read-only SQL endpoint.',
    }),
    username: Type.String({
      minLength: 1,
      pattern: '^[^:]+$',
      default: 'default',
      description: 'User the SQL endpoint and the dashboard ask for (HTTP Basic or X-ClickHouse-User).',
    }),
    passwordFile: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'The password (a mounted Secret); without it one is generated into server.stateDir/sql.password. A changed file takes effect within a second, without a restart.',
      }),
    ),
    maxExecutionTimeS: Type.Integer({
      minimum: 1,
      maximum: 3600,
      default: 30,
      description: 'Longest a read may run (a client may ask for less).',
    }),
    maxResultBytes: Type.Integer({
      minimum: 1024,
      maximum: 4_294_967_296,
      default: 67_108_864,
      description: 'Largest result of a read, as the engine counts it.',
    }),
    maxMemoryBytes: Type.Integer({
      minimum: 16_777_216,
      maximum: 68_719_476_736,
      default: 1_073_741_824,
      description: 'Memory one read may use.',
    }),
    maxThreads: Type.Integer({
      minimum: 1,
      maximum: 64,
      default: 1,
      description: 'Threads one read may use; the other cores stay with the data path.',
    }),
    maxQueued: Type.Integer({
      minimum: 0,
      maximum: 1000,
      default: 16,
      description: 'Reads that may wait behind the running one; more are refused.',
    }),
  },
  { ...strict, description: "The read-only SQL endpoint (ClickHouse's HTTP interface) and its limits." },
);

export const Dashboard = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Serve the live dashboard at /dashboard.' }),
    auth: Type.Union([Type.Literal('auto'), Type.Literal('always')], {
      default: 'auto',
      description:
        'auto: ask for the sql credential unless the server listens on loopback only and is named by a loopback name (localhost, 127.0.0.1, [::1]); always: ask every time (e.g. behind a reverse proxy on this host).',
    }),
    liveIntervalMs: Type.Integer({
      minimum: 250,
      maximum: 60_000,
      default: 1000,
      description: 'How often the store is asked for new events while a dashboard is open.',
    }),
  },
  { ...strict, description: 'The live dashboard at /dashboard.' },
);

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
