import { describe, expect, it } from 'vitest';
import { renderCluster } from '../../cdk8s/index.ts';
import { cluster, find } from '../../cdk8s/testing/cluster.ts';
import type { KubeObject } from '../../kube/object.ts';
import type { Deps, ReconcileState } from '../reconcile/state.ts';
import { absentSecrets, missingSecrets, requiredSecrets } from './pod-secrets.ts';

const deployment = (ingest: unknown) =>
  find(renderCluster(cluster({ ingest })).objects, 'Deployment', 'demo-ingest') as KubeObject;

describe('the Secrets the ingest pods need', () => {
  // A TLS Secret the spec named and nobody made left the cluster at "0/2 ingest pods ready", no reason given.
  it('include the TLS Secret the spec names, once', () => {
    const names = requiredSecrets(deployment({ tls: { secretName: 'my-tls' } }));
    expect(names).toContain('my-tls');
    expect(new Set(names).size).toBe(names.length);
    expect(requiredSecrets(deployment({}))).not.toContain('my-tls');
  });

  it('read volumes, projected sources, env and envFrom, and leave out optional ones', () => {
    const pod = {
      volumes: [
        { name: 'a', secret: { secretName: 'vol' } },
        { name: 'b', secret: { secretName: 'maybe', optional: true } },
        { name: 'c', projected: { sources: [{ secret: { name: 'proj' } }, { configMap: { name: 'cm' } }] } },
      ],
      initContainers: [{ envFrom: [{ secretRef: { name: 'init-env' } }] }],
      containers: [
        { env: [{ valueFrom: { secretKeyRef: { name: 'key', key: 'k' } } }, { value: 'x' }] },
        { env: [{ valueFrom: { secretKeyRef: { name: 'vol', key: 'k' } } }] },
      ],
    };
    const workload = { metadata: { name: 'w' }, spec: { template: { spec: pod } } } as unknown as KubeObject;
    expect(requiredSecrets(workload)).toEqual(['vol', 'proj', 'init-env', 'key']);
  });

  it('missing: those the lookup does not find, in order', async () => {
    const there = new Set(['b']);
    expect(await missingSecrets(['a', 'b', 'c'], async (n) => there.has(n))).toEqual(['a', 'c']);
  });

  it("absent: the render step's reads of this reconcile are used, found or not, before any GET", async () => {
    const pod = (secretName: string) =>
      ({ spec: { template: { spec: { volumes: [{ secret: { secretName } }] } } } }) as unknown as KubeObject;
    const gets: string[] = [];
    // A STAND-IN for the operator's cache (empty) and apiserver (records each GET, finds nothing).
    const deps = {
      cache: { get: () => undefined },
      rest: { getOrUndefined: async (path: string) => void gets.push(path) },
    } as unknown as Deps;
    const state = {
      secrets: new Map([
        ['read', { password: 'eA==' }],
        ['gone', undefined],
      ]),
    };
    const workloads = [pod('read'), pod('gone'), pod('other')];
    const missing = await absentSecrets(workloads, 'ns', deps, state as unknown as ReconcileState);
    expect(missing).toEqual(['gone', 'other']);
    expect(gets).toEqual(['/api/v1/namespaces/ns/secrets/other']);
  });
});
