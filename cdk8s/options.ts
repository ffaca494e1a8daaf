// What the renderer needs beside the TrackerCluster: how the operator applies the schema. It decides what
// the ingest's own statements (erasure, the prune CronJob) must target, so the ingest configuration says it.

/**
 * The operator's clickhouse.schemaMode. `cluster`: Replicated `X_local` tables behind Distributed `X`,
 * created ON CLUSTER (needs Keeper). `per-replica`: the single-node schema on every replica, each server's
 * tables its own (for servers without Keeper, where ON CLUSTER cannot run).
 */
export type SchemaMode = 'cluster' | 'per-replica';

export interface RenderOptions {
  /** Default `cluster`, the operator's default. */
  readonly schemaMode?: SchemaMode;
}
