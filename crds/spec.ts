// TrackerCluster spec: the source of truth for the CRD's OpenAPI schema (crd.ts converts it) and for the
// TypeScript types the renderer and the operator use. Every field states its default; the CEL rules come
// from rules.ts. spec.ingest.config reuses the ingest configuration schema (common/config) so the two
// cannot drift.
import Type, { type Static, type TSchemaOptions } from 'typebox';
import { DestinationsNats, facebookDestination, webhookDestination } from '../common/config/destinations.ts';
import { IngestConfig } from '../common/config/ingest.ts';
import { Retention, Rollups } from '../common/config/tables.ts';
import { cel, rules } from './rules.ts';

const strict = { additionalProperties: false } as const;

/** Default images; pinned so a TrackerCluster without images renders the same on every operator start. */
export const defaultImages = {
  clickhouse: 'clickhouse/clickhouse-server:25.8',
  keeper: 'clickhouse/clickhouse-keeper:25.8',
  ingest: 'ghcr.io/tracker-dev/tracker-ingest:0.1.0',
  nats: 'nats:2.11-alpine',
} as const;

/**
 * A Kubernetes quantity's text, without the minus sign the apiserver's grammar allows: every quantity
 * here is a size or a resource, where a negative one passed validation and failed when its StatefulSet
 * was applied. The chart's values.schema.json holds the same pattern (a test compares them).
 */
export const QUANTITY_PATTERN =
  '^\\+?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

/**
 * Why a quantity given as a bare fraction (`cpu: 0.5`) is refused, and how to write it: a Pod takes 0.5,
 * but a CRD field holds an integer or a string, never a number with a fraction.
 */
export const quantityFractionMessage = (value: number): string =>
  `a number with a fraction is refused here: quote it ("${value}") or, for CPU, write millicores (${Math.round(value * 1000)}m); a TrackerCluster quantity is an integer or a string`;

/** A Kubernetes quantity (e.g. 500m, 2Gi, 1); integers are allowed as in core resources. */
export const quantity = (options: TSchemaOptions = {}) =>
  Type.Union([Type.Integer({ minimum: 0 }), Type.String({ maxLength: 64, pattern: QUANTITY_PATTERN })], {
    'x-kubernetes-int-or-string': true,
    description:
      'A Kubernetes quantity such as 500m, 2Gi or 1; a fraction as a string ("0.5") or in milli-units (500m): the CRD takes an integer or a string, not 0.5.',
    // The CRD checks the string with this rule instead of the pattern above (crds/structural.ts), so a
    // refusal says what is allowed rather than printing the regular expression.
    ...cel(rules.isQuantity),
    ...options,
  });

const ResourceList = Type.Object(
  {
    cpu: Type.Optional(quantity()),
    memory: Type.Optional(quantity()),
    'ephemeral-storage': Type.Optional(quantity()),
  },
  strict,
);
const Requests = Type.With(ResourceList, {
  description: 'What the scheduler reserves for the container (and what the HPA measures CPU against).',
});
const Limits = Type.With(ResourceList, { description: 'The most the container may use.' });

export const Resources = (requests: { cpu: string; memory: string }, memoryLimit: string) =>
  Type.Object(
    { requests: Type.Optional(Requests), limits: Type.Optional(Limits) },
    {
      ...strict,
      default: { requests, limits: { memory: memoryLimit } },
      description:
        'Container resources; requests are always set (the scheduler and the HPA need them). A request may not exceed its limit.',
      ...cel(rules.requestsWithinLimits),
    },
  );
export type Resources = {
  requests?: Record<string, string | number>;
  limits?: Record<string, string | number>;
};

const Image = (image: string) =>
  Type.String({
    minLength: 1,
    maxLength: 512,
    default: image,
    description: `Container image (default ${image}).`,
  });

export const Storage = (size: string) =>
  Type.Object(
    {
      size: quantity({ default: size, description: `PVC size (default ${size}).` }),
      storageClassName: Type.Optional(
        Type.String({
          maxLength: 253,
          description: 'StorageClass; the cluster default when unset. Cannot change once the cluster exists.',
        }),
      ),
    },
    {
      ...strict,
      default: {},
      description:
        "Each pod's data volume (a PersistentVolumeClaim, kept when the TrackerCluster is deleted). A larger size grows the existing claims (the StorageClass must allow expansion); it may not decrease.",
      ...cel(rules.storageMayNotShrink, rules.storageClassImmutable),
    },
  );

const Name = Type.String({ minLength: 1, maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' });

const SecretName = Type.With(Name, { description: "A Secret in the TrackerCluster's namespace." });

export const SecretKeyRef = Type.Object(
  {
    name: SecretName,
    key: Type.String({
      minLength: 1,
      maxLength: 253,
      default: 'password',
      description: 'Key of the Secret.',
    }),
  },
  strict,
);

export const ClickHouseSpec = Type.Object(
  {
    image: Image(defaultImages.clickhouse),
    shards: Type.Integer({ minimum: 1, maximum: 64, default: 1, description: 'Shards; never decrease.' }),
    replicas: Type.Integer({ minimum: 1, maximum: 9, default: 1, description: 'Replicas per shard.' }),
    storage: Storage('10Gi'),
    resources: Resources({ cpu: '500m', memory: '2Gi' }, '4Gi'),
    passwordSecretRef: Type.Optional(
      Type.With(SecretKeyRef, {
        description: 'Password of the default user; the operator generates <name>-credentials when unset.',
      }),
    ),
    extraConfig: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        'x-kubernetes-preserve-unknown-fields': true,
        description: 'ClickHouse server settings (YAML form of config.xml) merged last; changes restart.',
      }),
    ),
  },
  {
    ...strict,
    default: {},
    description: 'The ClickHouse servers: shards x replicas per shard, one StatefulSet per replica.',
  },
);
export type ClickHouseSpec = Static<typeof ClickHouseSpec>;

export const KeeperSpec = Type.Object(
  {
    replicas: Type.Integer({
      minimum: 1,
      maximum: 5,
      default: 1,
      description: 'Keeper members: 1, 3 or 5 (a quorum is a majority; 3 survive the loss of one).',
      ...cel(rules.keeperReplicas),
    }),
    image: Image(defaultImages.keeper),
    storage: Storage('2Gi'),
    resources: Resources({ cpu: '100m', memory: '256Mi' }, '1Gi'),
  },
  {
    ...strict,
    default: {},
    description: 'ClickHouse Keeper: the quorum that coordinates replication and ON CLUSTER statements.',
  },
);
export type KeeperSpec = Static<typeof KeeperSpec>;

/** A CronJob running `tracker prune --apply` in the ingest image, with the ingest's configuration. */
export const PruneSpec = Type.Object(
  {
    schedule: Type.String({
      maxLength: 128,
      pattern: '^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|\\S+(\\s+\\S+){4})$',
      description: 'Cron schedule of the CronJob, e.g. "17 3 * * *" (or @daily).',
    }),
    timeZone: Type.Optional(
      Type.String({
        maxLength: 64,
        description: 'IANA time zone of the schedule; the controller-manager one when unset.',
      }),
    ),
    mode: Type.Union([Type.Literal('delete'), Type.Literal('anonymise')], {
      default: 'delete',
      description: 'Delete the rows, or clear what identifies a person in them (tracker prune --mode).',
    }),
    retention: Type.Optional(
      Type.With(Retention, {
        description:
          'Ages for this job (e.g. anonymise after 30 days while TTLs delete after a year); default: spec.schema.retention.',
      }),
    ),
    suspend: Type.Boolean({ default: false, description: 'Keep the CronJob but start no run.' }),
    resources: Resources({ cpu: '50m', memory: '128Mi' }, '256Mi'),
  },
  strict,
);
export type PruneSpec = Static<typeof PruneSpec>;

export const SchemaSpec = Type.Object(
  {
    database: Type.String({
      pattern: '^[a-z_][a-z0-9_]{0,62}$',
      maxLength: 63,
      default: 'tracker',
      description: 'ClickHouse database of the tables; immutable.',
      ...cel(rules.databaseImmutable),
    }),
    retention: Type.With(Retention, {
      default: {},
      description:
        'Retention as ClickHouse TTLs; a change applies to the existing tables at the next schema pass (a RetentionApplied Event). Also rendered into the ingest configuration.',
    }),
    prune: Type.Optional(
      Type.With(PruneSpec, {
        description:
          'Run tracker prune on a schedule (delete or anonymise rows older than their retention); absent: no CronJob.',
      }),
    ),
    rollups: Type.With(Rollups, {
      default: {},
      description:
        'What the derived rollups count (impression_daily); written where their views read it, and rendered into the ingest configuration.',
    }),
  },
  {
    ...strict,
    default: {},
    description: 'The schema the operator applies and verifies on every ClickHouse replica.',
  },
);
export type SchemaSpec = Static<typeof SchemaSpec>;

export const Autoscaling = Type.Object(
  {
    minReplicas: Type.Integer({ minimum: 1, maximum: 1000, default: 2, description: 'Fewest pods.' }),
    maxReplicas: Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: 'Most pods.' }),
    targetCPUUtilizationPercentage: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 70,
      description: 'Average CPU use, as a share of the CPU request, the HPA keeps the pods at.',
    }),
  },
  {
    ...strict,
    description:
      'A HorizontalPodAutoscaler on CPU sets the ingest replica count (instead of ingest.replicas).',
    ...cel(rules.autoscalingBounds),
  },
);

export const IssuerRef = Type.Object(
  {
    name: Type.With(Name, { description: 'Name of the Issuer or ClusterIssuer.' }),
    kind: Type.Union([Type.Literal('Issuer'), Type.Literal('ClusterIssuer')], {
      default: 'Issuer',
      description: "Issuer (in the TrackerCluster's namespace) or ClusterIssuer.",
    }),
    group: Type.String({
      maxLength: 253,
      default: 'cert-manager.io',
      description: 'API group of the issuer.',
    }),
  },
  {
    ...strict,
    description: 'A cert-manager issuer: the operator renders a Certificate into <name>-ingest-tls.',
  },
);

export const IngestTls = Type.Object(
  {
    secretName: Type.Optional(Type.With(Name, { description: 'Existing kubernetes.io/tls Secret.' })),
    issuerRef: Type.Optional(IssuerRef),
    dnsNames: Type.Array(Type.String({ maxLength: 253 }), {
      maxItems: 32,
      default: [],
      description: 'Extra DNS names of the cert-manager Certificate (the Service names are always included).',
    }),
  },
  {
    ...strict,
    description:
      'HTTPS on the ingest, from exactly one of secretName or issuerRef; absent: plain HTTP (TLS ends in front of it).',
    ...cel(rules.tlsOneSource),
  },
);
export type IngestTls = Static<typeof IngestTls>;

/**
 * The ingest configuration embedded in the CRD. `store`, `retention` and `rollups` are omitted: the operator
 * points the store at the cluster's ClickHouse and renders retention and rollups from spec.schema (one
 * place each; the schema is the operator's to apply). `destinations` is spec.ingest.destinations:
 * credentials there are Secret references, not files.
 */
export const IngestSpecConfig = Type.Omit(IngestConfig, ['store', 'retention', 'rollups', 'destinations'], {
  additionalProperties: false,
  default: {},
  description:
    'The ingest configuration (every key in docs/configuration.md) without store, retention, rollups and destinations, which the operator sets from the rest of the spec.',
});
export type IngestSpecConfig = Static<typeof IngestSpecConfig>;

/** A key of a Secret in the TrackerCluster's namespace, mounted into the ingest pods as a file. */
const SecretFile = (defaultKey: string, description: string) =>
  Type.Object(
    {
      name: SecretName,
      key: Type.String({
        minLength: 1,
        maxLength: 253,
        default: defaultKey,
        description: 'Key of the Secret.',
      }),
    },
    { ...strict, description },
  );

/**
 * The ingest's destinations (common/config/destinations.ts, the same schema) with each credential a
 * Secret reference: the operator mounts the key as a file and renders the file's path into the config.
 */
export const DestinationsSpec = Type.Object(
  {
    facebook: Type.Array(
      facebookDestination({
        accessTokenSecretRef: SecretFile('token', 'Secret key holding the Conversions API access token.'),
      }),
      {
        maxItems: 16,
        default: [],
        description: 'Facebook Conversions API destinations (marketing consent).',
      },
    ),
    webhooks: Type.Array(
      webhookDestination({
        signingSecretRef: SecretFile('secret', 'Secret key holding the HMAC-SHA256 signing secret.'),
      }),
      {
        maxItems: 16,
        default: [],
        description: 'Webhooks that receive HMAC-signed batches of stored events.',
      },
    ),
    nats: DestinationsNats,
  },
  {
    ...strict,
    default: {},
    description: 'Where stored events are forwarded (Facebook Conversions API, signed webhooks).',
  },
);
export type DestinationsSpec = Static<typeof DestinationsSpec>;

export const IngestSpec = Type.Object(
  {
    image: Image(defaultImages.ingest),
    replicas: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 1000, description: 'Fixed replicas (2 when neither is set).' }),
    ),
    autoscaling: Type.Optional(Autoscaling),
    resources: Resources({ cpu: '250m', memory: '256Mi' }, '512Mi'),
    serviceType: Type.Union(
      [Type.Literal('ClusterIP'), Type.Literal('NodePort'), Type.Literal('LoadBalancer')],
      {
        default: 'ClusterIP',
        description:
          "Type of the ingest Service; it carries the public port only (tracking, /health, /ready). NodePort and LoadBalancer keep the client's address (externalTrafficPolicy Local: only nodes running an ingest pod take traffic); behind a proxy or an Ingress controller, list it in config.server.trustedProxies.",
      },
    ),
    tls: Type.Optional(IngestTls),
    config: IngestSpecConfig,
    destinations: DestinationsSpec,
  },
  {
    ...strict,
    default: {},
    description:
      'The ingest tier: a Deployment of the Fastify ingest behind a Service, configured from this spec; it starts once the schema is verified.',
    ...cel(
      rules.replicasOrAutoscaling,
      rules.tlsFromSpec,
      rules.hostIsWildcard,
      rules.opsHostIsWildcard,
      rules.portsFixed,
      rules.hashKeyFromOperator,
    ),
  },
);
export type IngestSpec = Static<typeof IngestSpec>;

export const NatsSpec = Type.Object(
  {
    replicas: Type.Integer({
      minimum: 1,
      maximum: 5,
      default: 3,
      description: 'JetStream servers: 1, 3 or 5 (a replicated stream needs a majority).',
      ...cel(rules.natsReplicas),
    }),
    image: Image(defaultImages.nats),
    storage: Storage('10Gi'),
    resources: Resources({ cpu: '100m', memory: '256Mi' }, '1Gi'),
  },
  { ...strict, description: 'In-cluster NATS JetStream (spool and real-time fan-out); absent = none.' },
);
export type NatsSpec = Static<typeof NatsSpec>;

export const TrackerClusterSpec = Type.Object(
  {
    clickhouse: ClickHouseSpec,
    keeper: KeeperSpec,
    schema: SchemaSpec,
    ingest: IngestSpec,
    nats: Type.Optional(NatsSpec),
    clusterDomain: Type.String({
      maxLength: 253,
      default: 'cluster.local',
      description: 'DNS suffix of Services.',
    }),
    paused: Type.Boolean({ default: false, description: 'Stop reconciling (objects stay as they are).' }),
    allowDataLoss: Type.Boolean({ default: false, description: 'Allow removing shards and their data.' }),
  },
  {
    ...strict,
    description:
      'What the installation should be; the operator makes the cluster match it and reports progress in status.',
    ...cel(rules.shardsMayNotDecrease, rules.natsForSpool, rules.natsForFeatures),
  },
);
export type TrackerClusterSpec = Static<typeof TrackerClusterSpec>;
