// The runner's pure parts and the apply helper's skip decision.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/object.ts';
import { templateHashAnnotation, withTemplateHash } from '../steps/rollout.ts';
import { appliedHashAnnotation, desiredOf, keepImmutable, upToDate, withAppliedHash } from './apply.ts';
import { buildStatus, newState } from './runner.ts';
import { setCondition } from './state.ts';

const cm = (data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c', namespace: 'ns' },
  data,
});

function deepFrozen<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFrozen(v);
    Object.freeze(value);
  }
  return value;
}

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

  it('hashes a frozen (rendered) object once and returns the same frozen result after', () => {
    const rendered = deepFrozen(cm({ a: '1' }));
    const first = withAppliedHash(rendered);
    expect(withAppliedHash(rendered)).toBe(first);
    expect(first).toEqual(withAppliedHash(cm({ a: '1' })));
    expect(Object.isFrozen(first) && Object.isFrozen(first.metadata)).toBe(true);
    expect(Object.isFrozen(first.metadata.annotations)).toBe(true);
    expect(rendered.metadata.annotations).toBeUndefined();
  });

  it("hashes a rendered ClickHouse StatefulSet's template and the whole set once (regression: both on every reconcile)", () => {
    const sts = deepFrozen({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 's', namespace: 'ns' },
      spec: { template: { spec: { containers: [{ name: 'c', image: 'i' }] } } },
    } as KubeObject);
    const templated = withTemplateHash(sts);
    expect(withTemplateHash(sts)).toBe(templated);
    expect(Object.isFrozen(templated)).toBe(true);
    expect(withAppliedHash(withTemplateHash(sts))).toBe(withAppliedHash(templated));
    expect(templated.metadata.annotations?.[templateHashAnnotation]).toBeDefined();
  });

  it('hashes an object that is not frozen on every call (it may have changed)', () => {
    const obj = cm({ a: '1' });
    const first = withAppliedHash(obj);
    (obj.data as Record<string, string>).a = '2';
    const second = withAppliedHash(obj);
    expect(second).not.toBe(first);
    expect(second.metadata.annotations?.[appliedHashAnnotation]).not.toBe(
      first.metadata.annotations?.[appliedHashAnnotation],
    );
    expect(Object.isFrozen(second)).toBe(false);
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

describe('a StatefulSet applied once', () => {
  it('is up to date once the apiserver defaulted its claim templates (regression: every new StatefulSet was applied twice)', () => {
    const claim = { metadata: { name: 'data' }, spec: { resources: { requests: { storage: '1Gi' } } } };
    const rendered = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 's', namespace: 'ns' },
      spec: { replicas: 1, volumeClaimTemplates: [claim] },
    } as KubeObject;
    const applied = desiredOf(rendered, undefined);
    // As stored: the claim template defaulted (apiVersion, kind, volumeMode, status).
    const defaulted = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      ...claim,
      spec: { ...claim.spec, volumeMode: 'Filesystem' },
      status: { phase: 'Pending' },
    };
    const live = { ...applied, spec: { replicas: 1, volumeClaimTemplates: [defaulted] } } as KubeObject;
    expect(upToDate(desiredOf(rendered, live), live)).toBe(true);
    // A changed rendering still differs.
    const more = { ...rendered, spec: { replicas: 2, volumeClaimTemplates: [claim] } } as KubeObject;
    expect(upToDate(desiredOf(more, live), live)).toBe(false);
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
