// The echo of the operator's own write is recognised by the resourceVersion its newest write to the object
// was answered with; any other version of the object (someone else's change, a status update) is news.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/object.ts';
import { Echoes, identityOf } from './echoes.ts';

const sts = (rv: string, name = 'demo-keeper'): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
});

describe('echoes of the operator own writes', () => {
  it('recognises the version its newest write stored', () => {
    const echoes = new Echoes(['StatefulSet']);
    echoes.written(sts('7'));
    expect(echoes.wrote(identityOf(sts('7')), '7')).toBe(true);
    echoes.written(sts('9'));
    expect(echoes.wrote(identityOf(sts('7')), '7')).toBe(false);
  });

  it('counts every other version or object as news (the controller-manager updating the status)', () => {
    const echoes = new Echoes(['StatefulSet']);
    echoes.written(sts('7'));
    expect(echoes.wrote(identityOf(sts('8')), '8')).toBe(false);
    expect(echoes.wrote(identityOf(sts('7', 'other')), '7')).toBe(false);
    expect(echoes.wrote(identityOf(sts('7')), undefined)).toBe(false);
  });

  it('remembers nothing of kinds that are never watched (Events)', () => {
    const echoes = new Echoes(['StatefulSet']);
    echoes.written({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', resourceVersion: '3' } });
    echoes.written({ kind: 'StatefulSet', metadata: { name: 'no-version' } } as KubeObject);
    expect(echoes.size).toBe(0);
  });
});
