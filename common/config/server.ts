// The `server` section of the ingest configuration: the listening sockets (public and operations ports,
// TLS), request size and time limits, connection bounds, shutdown and the local state directory.
// Composed into the whole schema by ingest.ts.
import Type from 'typebox';

const strict = { additionalProperties: false } as const;

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
