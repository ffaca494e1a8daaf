// TrackerCluster status: small on purpose (a rendered spec in status makes every object large and every
// status write expensive, and watchers of the resource pay for it).
// Written only by the operator, once per reconcile, through the status subresource.
import Type, { type Static } from 'typebox';
import { conditionTypes } from './conditions.ts';

const strict = { additionalProperties: false } as const;

/** The shape of metav1.Condition, so kubectl, kstatus and Argo CD read it without custom health checks. */
export const Condition = Type.Object(
  {
    type: Type.String({ maxLength: 316, description: `One of ${conditionTypes.join(', ')}.` }),
    status: Type.Union([Type.Literal('True'), Type.Literal('False'), Type.Literal('Unknown')], {
      description: 'True, False or Unknown.',
    }),
    reason: Type.String({
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
      description:
        'Available when True; otherwise what the operator waits for, in one word (QuorumPending, ...).',
    }),
    message: Type.String({ maxLength: 32_768, description: 'The same for a person: counts and names.' }),
    lastTransitionTime: Type.String({
      format: 'date-time',
      description: 'When status last changed (a new reason or message alone does not change it).',
    }),
    observedGeneration: Type.Optional(
      Type.Integer({ minimum: 0, description: 'The metadata.generation this condition was computed from.' }),
    ),
  },
  strict,
);
export type Condition = Static<typeof Condition>;

export const ComponentStatus = Type.Object(
  {
    replicas: Type.Integer({ minimum: 0, description: 'Desired pods.' }),
    readyReplicas: Type.Integer({ minimum: 0, description: 'Pods passing readiness.' }),
    summary: Type.Optional(
      Type.String({
        maxLength: 64,
        description:
          'For kubectl get: ready/desired pods; for ClickHouse, shards x replicas per shard first (2x2 4/4).',
      }),
    ),
  },
  strict,
);
export type ComponentStatus = Static<typeof ComponentStatus>;

export const TrackerClusterStatus = Type.Object(
  {
    observedGeneration: Type.Optional(
      Type.Integer({ minimum: 0, description: 'The metadata.generation the operator last reconciled.' }),
    ),
    conditions: Type.Optional(
      Type.Array(Condition, {
        maxItems: 16,
        description:
          'One per gate, in order (KeeperReady, ClickHouseReady, SchemaReady, IngestReady), and Ready for all of them.',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
      }),
    ),
    keeper: Type.Optional(Type.With(ComponentStatus, { description: 'Keeper members.' })),
    clickhouse: Type.Optional(
      Type.With(ComponentStatus, { description: 'ClickHouse servers, every shard.' }),
    ),
    ingest: Type.Optional(Type.With(ComponentStatus, { description: 'Ingest pods.' })),
    appliedSchemaVersion: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Highest migration applied and verified on every replica.' }),
    ),
    ingestEndpoint: Type.Optional(
      Type.String({ maxLength: 2048, description: 'URL of the ingest Service.' }),
    ),
  },
  {
    ...strict,
    description: 'What the operator observed; written by it only, through the status subresource.',
  },
);
export type TrackerClusterStatus = Static<typeof TrackerClusterStatus>;
