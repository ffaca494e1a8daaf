// The layering of the repository, in one place. A file may import files of its own layer and of layers
// below it, never above; the import-graph test (architecture.test.ts) holds every source file to it, and
// docs/architecture.md draws it (the generated part comes from here and from the real import graph).

/**
 * Top-level areas, bottom up. Areas on one line are peers and never import each other (the operator and
 * the ingest share only what lies below them: store, schema, common). The browser client and the
 * dashboards stand on their own: they import nothing of the rest (a browser bundle must not pull in server
 * code), and only scripts/generate.ts builds the dashboards. So do the image manifests (images/): they read
 * the sources as files, never import them, and only scripts/generate.ts writes them.
 */
export const areas: readonly (readonly string[])[] = [
  ['common', 'client', 'monitoring', 'images'],
  ['kube', 'store'],
  ['schema', 'crds'],
  ['cdk8s'],
  ['ingest', 'operator'],
  ['cli'],
  ['bin', 'scripts'],
];

/**
 * Layers inside an area, bottom up: path prefixes relative to the repository (a folder ends with `/`).
 * An area not listed here is one layer.
 */
export const inner: Readonly<Record<string, readonly (readonly string[])[]>> = {
  ingest: [
    [
      'ingest/errors.ts',
      'ingest/config.ts',
      'ingest/config-view.ts',
      'ingest/config-env.ts',
      'ingest/config-checks.ts',
      'ingest/config-files.ts',
      'ingest/node-flags.ts',
      'ingest/lru.ts',
      'ingest/deadline.ts',
      'ingest/tally.ts',
      'ingest/sync-dir.ts',
      'ingest/dir-lock.ts',
      'ingest/runtime-log.ts',
      'ingest/build-version.ts',
    ],
    ['ingest/durable-lines.ts', 'ingest/state-locks.ts', 'ingest/data-dirs.ts', 'ingest/schema-check.ts'],
    ['ingest/datapath/', 'ingest/privacy/', 'ingest/geoip/', 'ingest/tls/'],
    ['ingest/destinations/'],
    ['ingest/model/', 'ingest/repositories/'],
    ['ingest/plugins/', 'ingest/auth/', 'ingest/erasure/'],
    ['ingest/nats/'],
    ['ingest/deps.ts', 'ingest/tracking.ts', 'ingest/startup-files.ts'],
    ['ingest/routes/', 'ingest/sql/'],
    ['ingest/app.ts', 'ingest/runtime.ts'],
    ['ingest/server.ts', 'ingest/query.ts', 'ingest/healthcheck.ts'],
  ],
  operator: [
    [
      'operator/log.ts',
      'operator/metrics.ts',
      'operator/config.ts',
      'operator/kubeconfig.ts',
      'operator/http.ts',
      'operator/events.ts',
      'operator/node-flags.ts',
    ],
    ['operator/clickhouse-clients.ts'],
    ['operator/clickhouse.ts'],
    ['operator/host-schema.ts', 'operator/replication.ts'],
    ['operator/ensure-schema.ts'],
    ['operator/reconcile/'],
    ['operator/steps/'],
    ['operator/controller/'],
    ['operator/operator.ts'],
    ['operator/main.ts'],
  ],
};

/**
 * Packages with a door: code outside the folder imports its index.ts, never the files behind it (tests
 * and test support may reach in). A door inside another is a second way into the outer package, for what
 * some of its importers must not load (cdk8s/schema-job/: the operator's image carries what cdk8s/index.ts
 * loads, and only `tracker render` renders the schema Job); the innermost door holding a file is its door.
 */
export const doors: readonly string[] = [
  'store/',
  'schema/',
  'cdk8s/',
  'cdk8s/schema-job/',
  'ingest/datapath/',
  'ingest/destinations/',
  'ingest/repositories/',
  'ingest/erasure/',
];

/**
 * Test support: the real-component environment and test doubles (e2e/), every `testing/` folder, and the
 * benches (they drive that environment). Production code never imports it; it may import anything.
 */
export function isTestSupport(file: string): boolean {
  return file.startsWith('e2e/') || file.startsWith('bench/') || file.split('/').includes('testing');
}

export const isTest = (file: string): boolean => file.endsWith('.test.ts');

/** Everything that is neither a test nor test support: what ships, and what CI runs as tooling. */
export const isProduction = (file: string): boolean => !isTest(file) && !isTestSupport(file);
