// The runner's pure parts and the apply helper's skip decision.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/object.ts';
import { appliedHashAnnotation, keepImmutable, upToDate, withAppliedHash } from './apply.ts';
import { buildStatus, newState } from './runner.ts';
import { setCondition } from './state.ts';

const cm = (data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c', namespace: 'ns' },
  data,
});

describe('apply helper', () => {
  it('skips an object whose live applied-hash matches, applies when it differs or is missing', () => {
    const desired = withAppliedHash(cm({ a: '1' }));
    expect(upToDate(desired, desired)).toBe(true);
    expect(upToDate(desired, undefined)).toBe(false);
    expect(upToDate(withAppliedHash(cm({ a: '2' })), desired)).toBe(false);
    const dying = { ...desired, metadata: { ...desired.metadata, deletionTimestamp: 'now' } };
    expect(upToDate(desired, dying as unknown as KubeObject)).toBe(false);
  });

  it('hashes deterministically, independent of key order', () => {
    const a = withAppliedHash(cm({ a: '1', b: '2' }));
    const b = withAppliedHash(cm({ b: '2', a: '1' }));
    expect(a.metadata.annotations?.[appliedHashAnnotation]).toBe(
      b.metadata.annotations?.[appliedHashAnnotation],
    );
  });

  it('keeps the live volumeClaimTemplates of a StatefulSet (immutable)', () => {
    const sts = (size: string) =>
      ({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 's' },
        spec: { volumeClaimTemplates: [{ size }] },
      }) as KubeObject;
    expect(keepImmutable(sts('2Gi'), sts('1Gi')).spec).toEqual({ volumeClaimTemplates: [{ size: '1Gi' }] });
    expect(keepImmutable(sts('2Gi'), undefined).spec).toEqual({ volumeClaimTemplates: [{ size: '2Gi' }] });
  });
});

describe('buildStatus', () => {
  const live = (status: unknown): KubeObject =>
    ({
      apiVersion: 'tracker.dev/v1alpha1',
      kind: 'TrackerCluster',
      metadata: { name: 't', generation: 3 },
      status,
    }) as KubeObject;

  it('keeps lastTransitionTime while a condition keeps its status, and sets observedGeneration', () => {
    const before = buildStatus(newState(live({})), '2026-01-01T00:00:00Z');
    const state = newState(live(before));
    setCondition(state, 'KeeperReady', 'True', 'Available', '1/1');
    const after = buildStatus(state, '2026-01-02T00:00:00Z');
    const time = (s: typeof after, type: string) =>
      s.conditions?.find((c) => c.type === type)?.lastTransitionTime;
    expect(time(after, 'ClickHouseReady')).toBe('2026-01-01T00:00:00Z');
    expect(time(after, 'KeeperReady')).toBe('2026-01-02T00:00:00Z');
    expect(after.observedGeneration).toBe(3);
  });

  it('keeps status fields a gated-off step did not compute', () => {
    const state = newState(live({ appliedSchemaVersion: 7 }));
    expect(buildStatus(state, 'now').appliedSchemaVersion).toBe(7);
  });
});
