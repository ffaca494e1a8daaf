// The rendering is reused while the TrackerCluster's spec and metadata stay the same, and only then.
import { describe, expect, it } from 'vitest';
import { renderCluster } from '../../cdk8s/index.ts';
import { cluster } from '../../cdk8s/testing/cluster.ts';
import { renderMemo } from './render.ts';

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
