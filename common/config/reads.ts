// The sections of the ingest configuration about reading stored data: `sql` (the read-only SQL endpoint
// and its limits) and `dashboard` (the live dashboard at /dashboard).
// Composed into the whole schema by ingest.ts.
import Type from 'typebox';

const strict = { additionalProperties: false } as const;

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
