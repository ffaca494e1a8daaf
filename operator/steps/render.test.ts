// The rendering is reused while the TrackerCluster's spec and metadata stay the same, and only then.
import { describe, expect, it } from 'vitest';
import { renderCluster } from '../../cdk8s/index.ts';
import { cluster, find, json } from '../../cdk8s/testing/cluster.ts';
import type { Deps, ReconcileState } from '../reconcile/state.ts';
import { render, renderMemo } from './render.ts';

const tc = () => {
  const c = cluster({ clickhouse: { shards: 1, replicas: 2 } }, { name: 'memo', namespace: 'ns' });
  return { ...c, metadata: { ...c.metadata, uid: 'u-1', resourceVersion: '1' } };
};

describe('renderMemo', () => {
  it('reuses the rendering across status and resourceVersion changes, frozen', () => {
    const first = renderMemo(tc());
    const later = { ...tc(), status: { phase: 'x' }, metadata: { ...tc().metadata, resourceVersion: '9' } };
    expect(renderMemo(later as ReturnType<typeof tc>)).toBe(first);
    expect(first).toEqual(renderCluster(tc()));
    expect(Object.isFrozen(first.objects[0]?.metadata)).toBe(true);
  });

  it('renders again when the spec or the metadata changes', () => {
    const first = renderMemo(tc());
    const scaled = { ...tc(), spec: { ...tc().spec, clickhouse: { ...tc().spec.clickhouse, replicas: 3 } } };
    const second = renderMemo(scaled);
    expect(second).not.toBe(first);
    expect(second).toEqual(renderCluster(scaled));
    const labelled = { ...tc(), metadata: { ...tc().metadata, labels: { team: 'a' } } };
    expect(renderMemo(labelled)).not.toBe(renderMemo(tc()));
  });

  it('renders again when the schema mode changes', () => {
    const cluster = renderMemo(tc(), { schemaMode: 'cluster' });
    const perReplica = renderMemo(tc(), { schemaMode: 'per-replica' });
    expect(perReplica).not.toBe(cluster);
    expect(perReplica).toEqual(renderCluster(tc(), { schemaMode: 'per-replica' }));
  });
});

/**
 * A STAND-IN for the operator's dependencies: caches holding no object (no live shard, no Secret, no
 * Deployment) and an apiserver that finds no Secret. The render step reads nothing else.
 */
const emptyDeps = {
  cache: { get: () => undefined, owned: () => [] },
  rest: { getOrUndefined: async () => undefined },
  clickhouse: { schemaMode: 'cluster' },
  config: { monitoring: {} },
} as unknown as Deps;

// The ingest named `tracker migrate` as the remedy for a schema missing or behind, where the operator's
// schema gate applies the schema (an ingest image newer than the operator's migrations waits there).
describe('render step', () => {
  it('tells the ingest the operator applies its schema (store.schemaOwner)', async () => {
    const c = tc();
    const live = { apiVersion: 'tracker.dev/v1alpha1', kind: 'TrackerCluster', metadata: c.metadata };
    const state: ReconcileState = {
      live,
      tc: c,
      conditions: new Map(),
      status: {},
      step: 'render',
      writes: 0,
    };
    await render.run(state, emptyDeps);
    const configMap = json(find(state.rendered?.objects ?? [], 'ConfigMap', 'memo-ingest'));
    expect(JSON.parse(configMap.data['config.json']).store.schemaOwner).toBe('operator');
  });
});
