// The Secrets a TrackerCluster names, indexed by Secret: every Secret its pods need that the operator did not
// make is there (checked against the rendering), a changed spec moves its entries, a deleted cluster drops
// them, and one Secret named by two clusters finds both.
import { describe, expect, it } from 'vitest';
import { namesOf, renderCluster, specSecrets } from '../../cdk8s/index.ts';
import { cluster } from '../../cdk8s/testing/cluster.ts';
import type { KubeObject } from '../../kube/object.ts';
import { requiredSecrets } from '../steps/pod-secrets.ts';
import { SecretIndex } from './secret-index.ts';

const destinations = {
  facebook: [{ name: 'shop_fb', pixelId: '123', accessTokenSecretRef: { name: 'fb-capi' } }],
  webhooks: [
    { name: 'crm', url: 'https://crm.example/in', signingSecretRef: { name: 'hooks' }, consent: [] },
  ],
};
const everything = {
  clickhouse: { passwordSecretRef: { name: 'pw', key: 'p' } },
  ingest: { tls: { secretName: 'my-tls' }, destinations },
};
const tc = (spec: unknown, name = 'demo', ns = 'ns') =>
  cluster(spec, { name, namespace: ns }) as unknown as KubeObject;

describe('specSecrets', () => {
  it.each([
    ['nothing named', {}],
    ['every reference', everything],
    ['a cert-manager issuer', { ingest: { tls: { issuerRef: { name: 'ca' } } } }],
  ])('%s: every Secret the pods need but the operator-made ones', (_what, spec) => {
    const c = cluster(spec);
    const names = namesOf(c);
    const workloads = renderCluster(c).objects.filter(
      (o) => o.kind === 'StatefulSet' || o.kind === 'Deployment',
    );
    const needed = new Set(workloads.flatMap(requiredSecrets));
    for (const own of [names.credentials, names.hashKey]) needed.delete(own);
    expect(specSecrets(c, names)).toEqual([...needed].sort());
  });

  it('names the password, TLS and destination Secrets', () => {
    const c = cluster(everything);
    expect(specSecrets(c, namesOf(c))).toEqual(['fb-capi', 'hooks', 'my-tls', 'pw']);
  });
});

describe('SecretIndex', () => {
  it('finds the clusters that name a Secret, in their own namespace only', () => {
    const index = new SecretIndex();
    index.set(tc(everything, 'a'));
    index.set(tc({ clickhouse: { passwordSecretRef: { name: 'pw' } } }, 'b'));
    index.set(tc({ clickhouse: { passwordSecretRef: { name: 'pw' } } }, 'c', 'other'));
    expect(index.clusters('ns', 'pw').sort()).toEqual(['ns/a', 'ns/b']);
    expect(index.clusters('ns', 'hooks')).toEqual(['ns/a']);
    expect(index.clusters('other', 'pw')).toEqual(['other/c']);
    expect(index.clusters('ns', 'unrelated')).toEqual([]);
  });

  it('follows a changed spec and forgets a deleted cluster', () => {
    const index = new SecretIndex();
    index.set(tc(everything, 'a'));
    index.set(tc({ ingest: { tls: { secretName: 'new-tls' } } }, 'a'));
    expect(index.clusters('ns', 'my-tls')).toEqual([]);
    expect(index.clusters('ns', 'new-tls')).toEqual(['ns/a']);
    index.delete('ns/a');
    expect(index.clusters('ns', 'new-tls')).toEqual([]);
    expect(index.size).toBe(0);
  });

  it('reads a cluster without a spec as naming nothing, without throwing', () => {
    const index = new SecretIndex();
    index.set({
      apiVersion: 'tracker.dev/v1alpha1',
      kind: 'TrackerCluster',
      metadata: { name: 'x', namespace: 'ns' },
    });
    expect(index.size).toBe(0);
  });
});
