// The secret checksum on the pod templates: where the renderer puts the operator's checksums, and which
// Secret values each component's pods read at start.
import { describe, expect, it } from 'vitest';
import { annotations, namesOf, podSecretKeys, renderCluster } from './index.ts';
import { cluster, find, json } from './testing/cluster.ts';

const spec = { clickhouse: { shards: 2, replicas: 2 } };
const templateAnnotations = (o: unknown) => json(o).spec.template.metadata.annotations;

describe('secret checksums on pod templates', () => {
  it('go on every ClickHouse replica and on the ingest, each its own', () => {
    const secretChecksums = { clickhouse: 'ch-sum', ingest: 'in-sum' };
    const { objects } = renderCluster(cluster(spec), { secretChecksums });
    const sets = objects.filter((o) => o.kind === 'StatefulSet' && o.metadata.name.startsWith('demo-ch-'));
    expect(sets).toHaveLength(4);
    for (const sts of sets) expect(templateAnnotations(sts)[annotations.secretChecksum]).toBe('ch-sum');
    const ingest = find(objects, 'Deployment', 'demo-ingest');
    expect(templateAnnotations(ingest)[annotations.secretChecksum]).toBe('in-sum');
    expect(templateAnnotations(find(objects, 'StatefulSet', 'demo-keeper'))).not.toHaveProperty(
      annotations.secretChecksum,
    );
  });

  it('are left out without checksums (tracker render), and nothing else changes with them', () => {
    const plain = renderCluster(cluster(spec));
    for (const o of plain.objects) expect(JSON.stringify(o)).not.toContain(annotations.secretChecksum);
    const summed = renderCluster(cluster(spec), { secretChecksums: { clickhouse: 'a', ingest: 'b' } });
    expect(summed.hashes).toEqual(plain.hashes);
  });
});

describe('podSecretKeys', () => {
  it.each([
    ['the generated password', {}, { name: 'demo-credentials', key: 'password' }],
    [
      'the password Secret the spec names',
      { clickhouse: { passwordSecretRef: { name: 'pw', key: 'p' } } },
      { name: 'pw', key: 'p' },
    ],
  ])('%s: ClickHouse reads it, the ingest reads it and the hash key', (_what, s, password) => {
    const tc = cluster(s);
    const keys = podSecretKeys(tc, namesOf(tc));
    expect(keys.clickhouse).toEqual([password]);
    expect(keys.ingest).toEqual([password, { name: 'demo-hash-key', key: 'hash-key' }]);
  });
});

// The ingest reloads its certificate when the mounted files change and reads a destination's credential at
// every send, so those Secrets stay out of the checksum: a rotation reaches the running pods without a
// restart. That holds only while the kubelet can update the files in place, which it never does for a
// subPath mount.
describe('the TLS and destination Secrets', () => {
  const spec = {
    ingest: {
      tls: { secretName: 'my-tls' },
      destinations: {
        facebook: [{ name: 'shop_fb', pixelId: '123', accessTokenSecretRef: { name: 'fb-capi' } }],
        webhooks: [
          { name: 'crm', url: 'https://crm.example/in', signingSecretRef: { name: 'hooks' }, consent: [] },
        ],
      },
    },
  };

  it('are not summed: the ingest reads them again without a restart', () => {
    const tc = cluster(spec);
    const keys = podSecretKeys(tc, namesOf(tc));
    expect(keys.ingest.map((k) => k.name)).toEqual(['demo-credentials', 'demo-hash-key']);
  });

  it('are mounted as whole volumes (no subPath), which the kubelet updates in place', () => {
    const pod = json(find(renderCluster(cluster(spec)).objects, 'Deployment', 'demo-ingest')).spec.template
      .spec;
    const secretVolumes = new Map<string, string>(
      pod.volumes
        .filter((v: { secret?: unknown }) => v.secret)
        .map((v: { name: string; secret: { secretName: string } }) => [v.name, v.secret.secretName]),
    );
    const mounts = pod.containers.flatMap((c: { volumeMounts?: unknown[] }) => c.volumeMounts ?? []);
    const ofSecret = (secretName: string) =>
      mounts.filter((m: { name: string }) => secretVolumes.get(m.name) === secretName);
    for (const secretName of ['my-tls', 'fb-capi', 'hooks']) {
      expect(ofSecret(secretName).length).toBeGreaterThan(0);
      for (const m of ofSecret(secretName)) expect(m).not.toHaveProperty('subPath');
    }
  });
});
