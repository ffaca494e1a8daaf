// Condition types and reasons of TrackerCluster.status.conditions, and the reasons of the operator's
// Kubernetes Events: the one list the operator, the CRD's printer columns and the docs refer to, so a reason
// is never spelled twice. Reasons are CamelCase as Kubernetes requires.

export const ConditionType = {
  KeeperReady: 'KeeperReady',
  ClickHouseReady: 'ClickHouseReady',
  SchemaReady: 'SchemaReady',
  IngestReady: 'IngestReady',
  /** True only when every other condition is True and the spec was reconciled (observedGeneration). */
  Ready: 'Ready',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** Every condition type in the order the operator gates on them (Keeper → ClickHouse → schema → ingest). */
export const conditionTypes: readonly ConditionType[] = [
  ConditionType.KeeperReady,
  ConditionType.ClickHouseReady,
  ConditionType.SchemaReady,
  ConditionType.IngestReady,
  ConditionType.Ready,
];

export const ConditionReason = {
  // Generic progress.
  Reconciling: 'Reconciling',
  Available: 'Available',
  Paused: 'Paused',
  SpecInvalid: 'SpecInvalid',
  ApplyFailed: 'ApplyFailed',
  // Keeper.
  QuorumPending: 'QuorumPending',
  QuorumLost: 'QuorumLost',
  /** Keeper or ClickHouse pods wait for a PersistentVolumeClaim that is not bound to a volume. */
  ClaimUnbound: 'ClaimUnbound',
  // ClickHouse.
  WaitingForKeeper: 'WaitingForKeeper',
  ReplicasNotReady: 'ReplicasNotReady',
  RestartInProgress: 'RestartInProgress',
  /** ClickHouse restarts wait until the Keeper StatefulSet has rolled out (Keeper before ClickHouse). */
  WaitingForKeeperRollout: 'WaitingForKeeperRollout',
  /** A restarted replica stayed unhealthy past clickhouse.restartTimeoutMs: no other replica restarts. */
  RolloutFailed: 'RolloutFailed',
  ShardDecreaseRefused: 'ShardDecreaseRefused',
  /** A removed replica is kept while its shard's survivor fetches its parts (SYSTEM SYNC REPLICA, in the background). */
  ReplicaSyncRunning: 'ReplicaSyncRunning',
  /** The survivor's last sync failed: the removed replica is kept until a retry succeeds. */
  ReplicaSyncPending: 'ReplicaSyncPending',
  /** A replica is not recreated on a volume whose Keeper metadata was dropped; the user deletes the PVC. */
  StaleReplicaVolume: 'StaleReplicaVolume',
  // Schema.
  WaitingForClickHouse: 'WaitingForClickHouse',
  /** The schema is being applied and verified in the background; the gate opens when that pass is done. */
  MigrationsRunning: 'MigrationsRunning',
  MigrationsPending: 'MigrationsPending',
  MigrationFailed: 'MigrationFailed',
  /** A host lacks tables its migration record says it has, and they could not be created from another host. */
  TableCopyFailed: 'TableCopyFailed',
  /**
   * SchemaReady stays True (every table exists and takes inserts) while a table's TTL is not yet the one
   * spec.schema.retention names: changing it failed on some host and is retried.
   */
  RetentionPending: 'RetentionPending',
  // Ingest.
  WaitingForSchema: 'WaitingForSchema',
  RolloutInProgress: 'RolloutInProgress',
  /**
   * The ClickHouse or ingest pods need a Secret that does not exist (a password, TLS or webhook Secret
   * the spec names).
   */
  SecretMissing: 'SecretMissing',
} as const;
export type ConditionReason = (typeof ConditionReason)[keyof typeof ConditionReason];

export const ConditionStatus = { True: 'True', False: 'False', Unknown: 'Unknown' } as const;
export type ConditionStatus = (typeof ConditionStatus)[keyof typeof ConditionStatus];

/**
 * Reasons of Events that record an operator action rather than a condition transition. A transition's
 * Event uses the condition's reason (ConditionReason); these are the only other reasons the operator emits.
 */
export const EventReason = {
  Pruned: 'Pruned',
  RestartingReplica: 'RestartingReplica',
  VolumeExpanded: 'VolumeExpanded',
  SecretCreated: 'SecretCreated',
  /** A removed replica's StatefulSet was deleted after its shard's survivor fetched its parts. */
  ReplicaRetired: 'ReplicaRetired',
  /** A removed replica's Keeper metadata was dropped (SYSTEM DROP REPLICA) and its volume marked. */
  ReplicaDropped: 'ReplicaDropped',
  /** A host lacked tables the migration record says it has; they were created from another host's definitions. */
  TablesCopied: 'TablesCopied',
  /** spec.schema.retention changed: existing tables were given the TTL it names (MODIFY TTL / REMOVE TTL). */
  RetentionApplied: 'RetentionApplied',
  /** Changing a table's TTL to spec.schema.retention failed (a Warning, told again only when the cause changes). */
  RetentionFailed: 'RetentionFailed',
  /** Someone else changed a field the operator applies; the operator applied it again. */
  DriftReverted: 'DriftReverted',
  /** A write to the apiserver failed (a Warning; the reconcile fails and is retried with backoff). */
  WriteFailed: 'WriteFailed',
} as const;
export type EventReason = (typeof EventReason)[keyof typeof EventReason];
