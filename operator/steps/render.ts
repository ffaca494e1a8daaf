// render: the desired objects from cdk8s/ (pure). Guard: ClickHouse cannot move data off a removed shard, so
// a shard decrease without spec.allowDataLoss is refused here too (the CRD's CEL rule only sees one update,
// not e.g. a decrease made while allowDataLoss was briefly true and the operator paused): the live shard
// count is rendered instead and ClickHouseReady says why.
import { labelKeys, renderCluster } from '../../cdk8s/index.ts';
import type { TrackerCluster } from '../../crds/trackercluster.ts';
import { kinds } from '../../kube/kinds.ts';
import { ownedBy } from '../reconcile/apply.ts';
import type { Deps, ReconcileState, Step } from '../reconcile/state.ts';
import { tcOf } from '../reconcile/state.ts';

/** Highest live shard index + 1 among this cluster's ClickHouse StatefulSets (0 when none exist). */
export function liveShards(tc: TrackerCluster, deps: Deps): number {
  const ns = tc.metadata.namespace ?? 'default';
  const sets = deps.cache.list(kinds.StatefulSet, ns);
  const shards = sets
    .filter((s) => ownedBy(s, tc.metadata.uid) && s.metadata.labels?.[labelKeys.shard] !== undefined)
    .map((s) => Number(s.metadata.labels?.[labelKeys.shard]) + 1);
  return Math.max(0, ...shards);
}

export function withShards(tc: TrackerCluster, shards: number): TrackerCluster {
  return { ...tc, spec: { ...tc.spec, clickhouse: { ...tc.spec.clickhouse, shards } } };
}

export const render: Step = {
  name: 'render',
  async run(state: ReconcileState, deps: Deps) {
    const tc = tcOf(state);
    const live = liveShards(tc, deps);
    const refused = tc.spec.clickhouse.shards < live && !tc.spec.allowDataLoss;
    const shards = refused ? live : tc.spec.clickhouse.shards;
    state.renderedShards = shards;
    state.shardDecreaseRefused = refused ? { from: live, to: tc.spec.clickhouse.shards } : undefined;
    state.rendered = renderCluster(withShards(tc, shards));
    return 'continue';
  },
};
