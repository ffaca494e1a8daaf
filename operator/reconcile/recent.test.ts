// Remembered applies: a reconcile that runs before the informer cache has seen the operator's own apply
// does not apply the same object again; one whose cache has caught up decides from the cache as always,
// so a change made by someone else after the apply is still reverted.
import { describe, expect, it } from 'vitest';
import { kinds } from '../../kube/kinds.ts';
import type { KubeObject } from '../../kube/object.ts';
import type { KubeRest, RequestOptions, Verb } from '../../kube/rest.ts';
import { createLogger } from '../log.ts';
import { appliedHashAnnotation, applyObject, fieldManager, withAppliedHash } from './apply.ts';
import { RecentApplies } from './recent.ts';
import type { Deps, ReconcileState } from './state.ts';

const cm = (a: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c', namespace: 'ns' },
  data: { a },
});

/** The ConfigMap as the cache shows it: applied by `manager`, at `rv`. */
const stored = (obj: KubeObject, rv: string, manager = fieldManager): KubeObject => {
  const applied = withAppliedHash(obj);
  const fieldsV1 = {
    'f:data': { 'f:a': {} },
    'f:metadata': { 'f:annotations': { [`f:${appliedHashAnnotation}`]: {} } },
  };
  return {
    ...applied,
    metadata: {
      ...applied.metadata,
      resourceVersion: rv,
      managedFields: [{ manager, operation: manager === fieldManager ? 'Apply' : 'Update', fieldsV1 }],
    },
  };
};

/** TEST DOUBLES: an apiserver client answering each apply with the next resourceVersion, and a cache the test moves. */
function setup() {
  const applies: unknown[] = [];
  let rv = 100;
  const rest = {
    async request(verb: Verb, _path: string, opts: RequestOptions = {}) {
      if (verb === 'apply') applies.push(opts.body);
      return { metadata: { resourceVersion: String(++rv) } };
    },
  } as unknown as KubeRest;
  const cache = { object: undefined as KubeObject | undefined, version: '100' as string | undefined };
  const deps = {
    rest,
    log: createLogger('error', {}, () => undefined),
    recent: new RecentApplies(),
    cache: {
      get: () => cache.object,
      owned: () => [],
      resourceVersion: (kind: unknown) => (kind === kinds.ConfigMap ? cache.version : undefined),
    },
  } as unknown as Deps;
  const state = () =>
    ({
      live: {
        apiVersion: 'tracker.dev/v1alpha1',
        kind: 'TrackerCluster',
        metadata: { name: 't', namespace: 'ns' },
      },
      conditions: new Map(),
      status: {},
      step: 'keeper',
      writes: 0,
    }) as ReconcileState;
  return { applies, cache, deps, state };
}

describe('remembered applies', () => {
  it('a reconcile before the cache has seen the apply does not apply the same object again', async () => {
    const { applies, cache, deps, state } = setup();
    expect(await applyObject(cm('1'), state(), deps)).toBe('applied');
    // The cache still shows nothing (its newest resourceVersion is older than the apply's answer, 101).
    expect(await applyObject(cm('1'), state(), deps)).toBe('unchanged');
    cache.version = '100';
    expect(await applyObject(cm('1'), state(), deps)).toBe('unchanged');
    expect(applies).toHaveLength(1);
  });

  it('a different rendering is applied at once, remembered or not', async () => {
    const { applies, deps, state } = setup();
    await applyObject(cm('1'), state(), deps);
    expect(await applyObject(cm('2'), state(), deps)).toBe('applied');
    expect(applies).toHaveLength(2);
  });

  it('once the cache has caught up it decides again: a change by someone else is reverted', async () => {
    const { applies, cache, deps, state } = setup();
    await applyObject(cm('1'), state(), deps);
    // The cache shows the apply (rv 101): nothing to do.
    cache.object = stored(cm('1'), '101');
    cache.version = '101';
    expect(await applyObject(cm('1'), state(), deps)).toBe('unchanged');
    // Someone else edits data.a (kubectl edit takes the field over); the cache shows it at rv 105.
    const edited = stored(cm('1'), '105', 'kubectl-edit');
    cache.object = { ...edited, data: { a: 'changed' } };
    cache.version = '105';
    expect(await applyObject(cm('1'), state(), deps)).toBe('applied');
    expect(applies).toHaveLength(2);
  });

  it('an object the operator deleted is applied again when rendered again', async () => {
    const { applies, deps, state } = setup();
    const recent = deps.recent;
    await applyObject(cm('1'), state(), deps);
    recent.forget('/api/v1/namespaces/ns/configmaps/c');
    expect(await applyObject(cm('1'), state(), deps)).toBe('applied');
    expect(applies).toHaveLength(2);
  });

  it('never skips on a resourceVersion that is not a number', () => {
    const recent = new RecentApplies();
    recent.remember('/p', kinds.ConfigMap, 'h', 'opaque', () => undefined);
    expect(recent.covers('/p', 'h', '1')).toBe(false);
    recent.remember('/p', kinds.ConfigMap, 'h', '10', () => '5');
    expect(recent.covers('/p', 'h', '9')).toBe(true);
    expect(recent.covers('/p', 'h', '10')).toBe(false);
    expect(recent.size).toBe(0);
  });
});
