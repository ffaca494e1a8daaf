// Drift computed once per rendered (frozen) object and cached live object: the same pair gives the same
// answer without walking the fields again; a new version of the live object, another rendering or an
// object that is not frozen is looked at afresh.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/object.ts';
import { appliedHashAnnotation, desiredOf, driftOnce, fieldManager, withAppliedHash } from './apply.ts';

const rendered = (): KubeObject =>
  Object.freeze({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: Object.freeze({ name: 'c', namespace: 'ns' }),
    data: Object.freeze({ a: '1' }),
  }) as KubeObject;

/** The object as the cache holds it after the operator's apply; `fields` is what the operator owns. */
const liveOf = (obj: KubeObject, fields: Record<string, unknown>): KubeObject => {
  const applied = withAppliedHash(obj);
  return {
    ...applied,
    metadata: {
      ...applied.metadata,
      resourceVersion: '5',
      managedFields: [{ manager: fieldManager, operation: 'Apply', fieldsV1: fields }],
    },
  };
};
const owned = {
  'f:data': { 'f:a': {} },
  'f:metadata': { 'f:annotations': { [`f:${appliedHashAnnotation}`]: {} } },
};
const drift = (obj: KubeObject, live: KubeObject) => driftOnce(obj, desiredOf(obj, live), live);

describe('driftOnce', () => {
  it('answers the same pair of rendering and live object with the answer it computed', () => {
    const obj = rendered();
    const live = liveOf(obj, owned);
    const first = drift(obj, live);
    expect(first).toEqual([]);
    expect(drift(obj, live)).toBe(first);
  });

  it('looks again at a new version of the live object: a field someone else took over is drift', () => {
    const obj = rendered();
    expect(drift(obj, liveOf(obj, owned))).toEqual([]);
    const taken = liveOf(obj, { 'f:data': { 'f:b': {} }, 'f:metadata': owned['f:metadata'] });
    expect(drift(obj, taken).map((d) => d.path)).toEqual(['data.a']);
  });

  it('looks again for another rendering, and every time for an object that is not frozen', () => {
    const obj = rendered();
    const live = liveOf(obj, owned);
    const first = drift(obj, live);
    expect(drift(rendered(), live)).not.toBe(first);
    const unfrozen = { ...obj, data: { a: '1' } } as KubeObject;
    expect(drift(unfrozen, live)).not.toBe(drift(unfrozen, live));
    expect(drift(unfrozen, live)).toEqual([]);
  });
});
