// The owner index: what a TrackerCluster owns by its uid, kept in step with every set and delete, so an
// object whose controller owner changes or goes is found under the new owner only.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/object.ts';
import { OwnerIndex } from './owner-index.ts';

const obj = (name: string, owner?: string, controller = true): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name,
    namespace: 'ns',
    ...(owner
      ? { ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: owner, uid: owner, controller }] }
      : {}),
  },
});
const names = (objs: readonly KubeObject[]) => objs.map((o) => o.metadata.name).sort();

describe('OwnerIndex', () => {
  it('finds the objects of one controller owner, and none of an unknown one', () => {
    const index = new OwnerIndex();
    index.set('ns/a', obj('a', 'u1'));
    index.set('ns/b', obj('b', 'u1'));
    index.set('ns/c', obj('c', 'u2'));
    expect(names(index.owned('u1'))).toEqual(['a', 'b']);
    expect(names(index.owned('u2'))).toEqual(['c']);
    expect(index.owned('u3')).toEqual([]);
  });

  it.each([
    ['no ownerReference', obj('a')],
    ['an ownerReference that is not the controller', obj('a', 'u1', false)],
  ])('indexes no object with %s', (_what, o) => {
    const index = new OwnerIndex();
    index.set('ns/a', o);
    expect(index.owned('u1')).toEqual([]);
    expect(index.owners).toBe(0);
  });

  it('returns the newest version of an object after an update', () => {
    const index = new OwnerIndex();
    index.set('ns/a', obj('a', 'u1'));
    const updated = { ...obj('a', 'u1'), data: { k: 'v' } };
    index.set('ns/a', updated);
    expect(index.owned('u1')).toEqual([updated]);
  });

  it('moves an object whose controller owner changes, and drops it when it loses its owner', () => {
    const index = new OwnerIndex();
    index.set('ns/a', obj('a', 'u1'));
    index.set('ns/a', obj('a', 'u2'));
    expect(index.owned('u1')).toEqual([]);
    expect(names(index.owned('u2'))).toEqual(['a']);
    index.set('ns/a', obj('a'));
    expect(index.owned('u2')).toEqual([]);
    expect(index.owners).toBe(0);
  });

  it('forgets a deleted object, and the owner once its last object is gone', () => {
    const index = new OwnerIndex();
    index.set('ns/a', obj('a', 'u1'));
    index.set('ns/b', obj('b', 'u1'));
    index.delete('ns/a');
    expect(names(index.owned('u1'))).toEqual(['b']);
    index.delete('ns/b');
    index.delete('ns/never-stored');
    expect(index.owned('u1')).toEqual([]);
    expect(index.owners).toBe(0);
  });

  it('hands out a copy: changing the answer changes nothing indexed', () => {
    const index = new OwnerIndex();
    index.set('ns/a', obj('a', 'u1'));
    index.owned('u1').pop();
    expect(names(index.owned('u1'))).toEqual(['a']);
  });
});
