// What the renderer needs beside the TrackerCluster, from the installation (the operator's configuration,
// the chart's values): how the operator applies the schema (it decides what the ingest's own statements,
// erasure and the prune CronJob, target) and where Prometheus runs (the only pods the ingest's
// NetworkPolicy admits to its operations port, /metrics and /status).
import type { SchemaOwner } from '../common/config/datapath.ts';

/**
 * The operator's clickhouse.schemaMode. `cluster`: Replicated `X_local` tables behind Distributed `X`,
 * created ON CLUSTER (needs Keeper). `per-replica`: the single-node schema on every replica, each server's
 * tables its own (for servers without Keeper, where ON CLUSTER cannot run).
 */
export type SchemaMode = 'cluster' | 'per-replica';

/** Who applies the schema (the ingest configuration's store.schemaOwner). */
export type { SchemaOwner };

/** Pods by the labels of their namespace and their own; an empty map matches every one. */
export interface PodPeer {
  readonly namespaceLabels: Readonly<Record<string, string>>;
  readonly podLabels: Readonly<Record<string, string>>;
}

/**
 * Prometheus in the namespace named `monitoring` (every namespace carries its name as the label
 * kubernetes.io/metadata.name), kube-prometheus-stack's usual home: one namespace, never every pod.
 */
export const defaultPrometheus: PodPeer = {
  namespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' },
  podLabels: {},
};

export interface RenderOptions {
  /** Default `cluster`, the operator's default. */
  readonly schemaMode?: SchemaMode;
  /**
   * Who applies the schema, rendered as the ingest's store.schemaOwner so that the remedy it names for a
   * schema missing or behind is the right one: `operator` when the operator renders (its schema gate);
   * unset for `tracker render`, where tracker migrate or its schema Job does (the ingest's default).
   */
  readonly schemaOwner?: SchemaOwner;
  /** Where Prometheus runs; default defaultPrometheus. */
  readonly prometheus?: PodPeer;
  /**
   * The namespace the operator's pods run in: Keeper and ClickHouse admit the operator's pods from it
   * only. Unset: pods labelled as the operator in any namespace (anyone who may create a pod somewhere in
   * the cluster could then reach Keeper, which asks for no password).
   */
  readonly operatorNamespace?: string;
  /**
   * Checksums of the Secret values each component's pods read at start (podSecretKeys), computed by the
   * operator, which reads the Secrets (the renderer does no I/O). Default none: no checksum annotation.
   */
  readonly secretChecksums?: SecretChecksums;
}

/** Per component, the checksum put on its pod template (annotations.secretChecksum); absent: none. */
export interface SecretChecksums {
  readonly clickhouse?: string;
  readonly ingest?: string;
}
