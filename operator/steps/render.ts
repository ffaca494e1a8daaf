// render: the desired objects from cdk8s/ (pure). Guard: ClickHouse cannot move data off a removed shard, so
// a shard decrease without spec.allowDataLoss is refused here too (the CRD's CEL rule only sees one update,
// not e.g. a decrease made while allowDataLoss was briefly true and the operator paused): the live shard
// count is rendered instead and ClickHouseReady says why. The checksums of the Secret values the pods read at
// start go into the rendering too (secret-checksums.ts), so rotating one rolls those pods.
import { labelKeys, type Rendered, type RenderOptions, renderCluster } from '../../cdk8s/index.ts';
import type { TrackerCluster } from '../../crds/trackercluster.ts';
import { kinds } from '../../kube/kinds.ts';
import type { Deps, ReconcileState, Step, StepOutcome } from '../reconcile/state.ts';
import { tcOf } from '../reconcile/state.ts';
import { checksumSecrets, checksumsOf, readSecrets, type SecretData } from './secret-checksums.ts';

/** Highest live shard index + 1 among this cluster's ClickHouse StatefulSets (0 when none exist). */
export function liveShards(tc: TrackerCluster, deps: Deps): number {
  const ns = tc.metadata.namespace ?? 'default';
  const shards = deps.cache
    .owned(kinds.StatefulSet, ns, tc.metadata.uid)
    .filter((s) => s.metadata.labels?.[labelKeys.shard] !== undefined)
    .map((s) => Number(s.metadata.labels?.[labelKeys.shard]) + 1);
  return Math.max(0, ...shards);
}

export function withShards(tc: TrackerCluster, shards: number): TrackerCluster {
  return { ...tc, spec: { ...tc.spec, clickhouse: { ...tc.spec.clickhouse, shards } } };
}

/**
 * The last rendering per TrackerCluster (by uid) and the input it came from. Rendering is pure, and was a
 * quarter of the operator's CPU when every reconcile rendered again: most reconciles (a child's status
 * changed, the periodic resync) see the same spec. Frozen, because reconciles share it.
 */
const memo = new Map<string, { input: string; rendered: Rendered }>();
const MEMO_MAX = 512;

/** Everything the renderer reads: the whole object but its status and bookkeeping metadata, and the options. */
const inputOf = (tc: TrackerCluster, opts: RenderOptions): string =>
  JSON.stringify({
    ...tc,
    status: undefined,
    metadata: { ...tc.metadata, resourceVersion: undefined, managedFields: undefined },
    opts,
  });

export function renderMemo(tc: TrackerCluster, opts: RenderOptions = {}): Rendered {
  const uid = tc.metadata.uid ?? `${tc.metadata.namespace}/${tc.metadata.name}`;
  const input = inputOf(tc, opts);
  const hit = memo.get(uid);
  if (hit?.input === input) return hit.rendered;
  const rendered = deepFreeze(renderCluster(tc, opts));
  memo.delete(uid);
  memo.set(uid, { input, rendered });
  // Map order is insertion order: the entry rendered longest ago goes first (a deleted cluster's, usually).
  if (memo.size > MEMO_MAX) memo.delete(memo.keys().next().value as string);
  return rendered;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export const render: Step = {
  name: 'render',
  run(state: ReconcileState, deps: Deps) {
    const tc = tcOf(state);
    const data = readSecrets(checksumSecrets(tc), tc.metadata.namespace ?? 'default', deps);
    // Synchronous when the cache holds every Secret: the runner then goes on without yielding.
    if (data instanceof Promise) return data.then((d) => renderWith(state, deps, d));
    return renderWith(state, deps, data);
  },
};

function renderWith(state: ReconcileState, deps: Deps, data: SecretData): StepOutcome {
  const tc = tcOf(state);
  state.secrets = data;
  const live = liveShards(tc, deps);
  const refused = tc.spec.clickhouse.shards < live && !tc.spec.allowDataLoss;
  const shards = refused ? live : tc.spec.clickhouse.shards;
  state.renderedShards = shards;
  state.shardDecreaseRefused = refused ? { from: live, to: tc.spec.clickhouse.shards } : undefined;
  // The ingest's mutations target the tables as the schema step lays them out; its metrics only
  // Prometheus may read.
  state.rendered = renderMemo(withShards(tc, shards), {
    schemaMode: deps.clickhouse.schemaMode,
    // the operator's schema gate applies the migrations: the ingest names it, not tracker migrate
    schemaOwner: 'operator',
    prometheus: deps.config.monitoring.prometheus,
    operatorNamespace: deps.config.operatorNamespace,
    secretChecksums: checksumsOf(tc, data, deps),
  });
  return 'continue';
}
