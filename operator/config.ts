// Operator configuration: one strict schema (unknown keys are errors, every problem reported at once),
// from an optional JSON/YAML file plus a few environment overrides, through the one loader
// (common/config/loader.ts). Frozen after load. Timings are configurable so tests can use short leases and
// backoffs; the defaults are production values.
import { hostname } from 'node:os';
import Type, { type Static } from 'typebox';
import { defaultPrometheus } from '../cdk8s/index.ts';
import { parseConfig as parseWithSchema, readConfigFile } from '../common/config/loader.ts';

const strict = { additionalProperties: false } as const;
const ms = (def: number, min: number, description: string) =>
  Type.Integer({ minimum: min, maximum: 3_600_000, default: def, description });
/** A label selector's matchLabels: Kubernetes label keys and values (a bad key is refused by name). */
const labels = (def: Readonly<Record<string, string>>, description: string) =>
  Type.Record(Type.String(), Type.String({ pattern: '^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$' }), {
    propertyNames: { pattern: '^([a-z0-9.-]{1,253}/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$' },
    default: { ...def },
    description,
  });

export const OperatorConfigSchema = Type.Object(
  {
    namespace: Type.String({
      default: '',
      maxLength: 63,
      description: 'Namespace whose TrackerClusters it reconciles; empty: every namespace.',
    }),
    operatorNamespace: Type.String({
      default: '',
      maxLength: 63,
      description:
        "Namespace this operator's pods run in (the chart: the release namespace): Keeper's and ClickHouse's NetworkPolicies admit the operator's pods from it only; empty: from every namespace (anyone who may label a pod anywhere reaches Keeper, which has no password).",
    }),
    // The default is this machine's host name: the pod's name in a Deployment.
    identity: Type.String({
      minLength: 1,
      maxLength: 253,
      default: hostname(),
      description: 'This replica in the leader-election Lease; default: the host name (the pod name).',
    }),
    http: Type.Object(
      {
        port: Type.Integer({
          minimum: 0,
          maximum: 65535,
          default: 8081,
          description: 'Port of /healthz, /readyz and /metrics.',
        }),
        host: Type.String({ default: '0.0.0.0', description: 'Listen address of that port.' }),
      },
      { ...strict, default: {} },
    ),
    leaderElection: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description: 'Only the replica holding the Lease reconciles; false: this one always does.',
        }),
        namespace: Type.String({
          default: 'default',
          minLength: 1,
          maxLength: 63,
          description: 'Namespace of the Lease (the chart: the release namespace).',
        }),
        name: Type.String({
          default: 'tracker-operator',
          minLength: 1,
          maxLength: 253,
          description: 'Name of the Lease.',
        }),
        leaseDurationMs: ms(15_000, 1_000, 'A lease not renewed for this long may be taken over.'),
        renewDeadlineMs: ms(10_000, 500, 'The leader steps down when it cannot renew for this long.'),
        retryPeriodMs: ms(2_000, 100, 'Interval of acquire and renew attempts.'),
      },
      { ...strict, default: {} },
    ),
    watch: Type.Object(
      {
        /** No event or bookmark for this long: the watch is restarted (client-node watches can hang). */
        watchdogMs: ms(300_000, 500, 'Restart a silent watch after this long.'),
        relistIntervalMs: ms(600_000, 1_000, 'Full relist of every informer (a missed event heals).'),
        reconnectMaxMs: ms(30_000, 50, 'Upper bound of the watch reconnect backoff.'),
      },
      { ...strict, default: {} },
    ),
    queue: Type.Object(
      {
        // Reconciles wait on the apiserver and ClickHouse far more than they compute: enough workers that a
        // key whose gate just opened is not queued behind other clusters' round trips (with 16, 50 clusters
        // waiting on migrations kept a gate-opening event queued for seconds). A worker is a slot, not a thread.
        workers: Type.Integer({
          minimum: 1,
          maximum: 256,
          default: 64,
          description: 'TrackerClusters reconciled at once (one reconcile per cluster at a time).',
        }),
        backoffBaseMs: ms(500, 1, 'First retry delay after a failed reconcile; doubles per failure.'),
        backoffMaxMs: ms(300_000, 10, 'Upper bound of the per-key retry delay.'),
        /** Requeue while waiting for a gate (pods starting); watches usually wake the key sooner. */
        progressRequeueMs: ms(10_000, 10, 'Requeue delay while a gate is not passed.'),
        claimPendingGraceMs: ms(
          30_000,
          0,
          'A PersistentVolumeClaim not bound for longer than this is named by the Keeper and ClickHouse conditions (ClaimUnbound); a shorter wait is a volume being provisioned.',
        ),
        shutdownTimeoutMs: ms(30_000, 100, 'Wait this long for in-flight reconciles on shutdown.'),
      },
      { ...strict, default: {} },
    ),
    clickhouse: Type.Object(
      {
        /**
         * THE test seam: replica DNS name → HTTP URL. In a cluster this stays empty and
         * replicas are reached through their Service DNS; tests map every replica to a loopback server.
         */
        endpoints: Type.Record(Type.String(), Type.String({ pattern: '^https?://' }), {
          default: {},
          description:
            "A replica's DNS name → the URL to reach its HTTP port at (outside the cluster: a port-forward); others are reached by their Service DNS name.",
        }),
        /**
         * `cluster`: one ON CLUSTER run through the first replica, then verified on every replica (needs
         * Keeper). `per-replica`: the single-node rendering applied on each replica (test doubles have no
         * Keeper, so ON CLUSTER cannot run there).
         */
        schemaMode: Type.Union([Type.Literal('cluster'), Type.Literal('per-replica')], {
          default: 'cluster',
          description:
            'cluster: ON CLUSTER, Replicated and Distributed tables (needs Keeper); per-replica: the single-node schema on every replica (ClickHouse servers without Keeper).',
        }),
        requestTimeoutMs: ms(30_000, 100, 'Timeout of one SQL request.'),
        restartTimeoutMs: ms(
          600_000,
          100,
          'A restarted replica not healthy and caught up this long after the restart stops the rollout.',
        ),
      },
      { ...strict, default: {} },
    ),
    monitoring: Type.Object(
      {
        /**
         * Where Prometheus runs: the only pods the NetworkPolicies admit to the ingest's operations port
         * (/metrics, /status) and to Keeper's and ClickHouse's metrics port. Default: the namespace named
         * `monitoring`, every pod in it.
         */
        prometheus: Type.Object(
          {
            namespaceLabels: labels(
              defaultPrometheus.namespaceLabels,
              'Labels of the namespaces Prometheus runs in; {} is every namespace.',
            ),
            podLabels: labels(
              defaultPrometheus.podLabels,
              "Labels of Prometheus's pods in those namespaces; {} is every pod there.",
            ),
          },
          { ...strict, default: {} },
        ),
      },
      { ...strict, default: {} },
    ),
    diagnostics: Type.Object(
      {
        /**
         * A file every reaction is appended to as one JSON line, exact (controller/reaction-trace.ts): the
         * bench's precise percentiles. Empty: off.
         */
        reactionTraceFile: Type.String({
          default: '',
          description: 'Append every reaction to this file as one JSON line (the bench); empty: off.',
        }),
      },
      { ...strict, default: {} },
    ),
    logLevel: Type.Union(
      [Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')],
      { default: 'info', description: 'Least severe level logged (JSON lines on stdout).' },
    ),
    idleCodeReleaseSeconds: Type.Integer({
      minimum: 0,
      maximum: 86_400,
      default: 300,
      description:
        'Once started and then every this many seconds, unmap the pages of node and its libraries that are only clean file pages (Linux): code that runs again maps back from the page cache, so only the code in use stays resident (~20 MiB less with 50 clusters). 0 never does.',
    }),
  },
  strict,
);
export type OperatorConfig = Static<typeof OperatorConfigSchema>;

/** Environment overrides: the few settings a Deployment sets per pod. */
const envKeys: Record<string, (c: Record<string, unknown>, v: string) => void> = {
  TRACKER_OPERATOR_NAMESPACE: (c, v) => {
    c.namespace = v;
  },
  TRACKER_OPERATOR_IDENTITY: (c, v) => {
    c.identity = v;
  },
  TRACKER_OPERATOR_LOG_LEVEL: (c, v) => {
    c.logLevel = v;
  },
};

/** Validate, default and freeze a config object. */
export function parseConfig(input: unknown, source = 'object'): Readonly<OperatorConfig> {
  return parseWithSchema<OperatorConfig>(OperatorConfigSchema, input ?? {}, {
    subject: `operator configuration (${source})`,
    checks: [
      (c) =>
        c.leaderElection.renewDeadlineMs >= c.leaderElection.leaseDurationMs
          ? ['leaderElection.renewDeadlineMs: must be less than leaseDurationMs']
          : [],
    ],
  });
}

export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv): Readonly<OperatorConfig> {
  const raw = (file ? readConfigFile(file, `operator configuration (${file})`) : {}) as Record<
    string,
    unknown
  >;
  for (const [key, set] of Object.entries(envKeys)) {
    const v = env[key];
    if (v !== undefined && v !== '') set(raw, v);
  }
  return parseConfig(raw, file ?? 'environment');
}
