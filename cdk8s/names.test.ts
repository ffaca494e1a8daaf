import { describe, expect, it } from 'vitest';
import { namesOf } from './names.ts';
import { cluster } from './testing/cluster.ts';

describe('namesOf', () => {
  const n = namesOf(cluster({}, { name: 'web', namespace: 'prod' }));

  it.each([
    ['credentials Secret', n.credentials, 'web-credentials'],
    ['Keeper', n.keeper, 'web-keeper'],
    ['Keeper member DNS', n.keeperHost(2), 'web-keeper-2.web-keeper-headless.prod.svc.cluster.local'],
    ['ClickHouse replica', n.replica(1, 0), 'web-ch-1-0'],
    ['ClickHouse pod DNS', n.replicaHost(1, 0), 'web-ch-1-0-0.web-ch-headless.prod.svc.cluster.local'],
    ['shard PDB', n.shardPdb(3), 'web-ch-3'],
    ['ClickHouse URL', n.clickhouseUrl, 'http://web-clickhouse.prod.svc.cluster.local:8123'],
    ['ingest', n.ingest, 'web-ingest'],
    ['schema Job', n.schemaJob('0123456789'), 'web-schema-0123456789'],
    ['NATS URL', n.natsUrl, 'nats://web-nats.prod.svc.cluster.local:4222'],
  ])('%s', (_what, actual, expected) => expect(actual).toBe(expected));

  it('uses the cluster domain and the default namespace', () => {
    const other = namesOf(cluster({ clusterDomain: 'corp.internal' }, { name: 'web', namespace: undefined }));
    expect(other.replicaHost(0, 0)).toBe('web-ch-0-0-0.web-ch-headless.default.svc.corp.internal');
  });

  it('the longest StatefulSet name of the longest cluster name fits the 52-character limit', () => {
    const long = namesOf(cluster({}, { name: 'a'.repeat(40) }));
    expect(long.replica(63, 8).length).toBeLessThanOrEqual(52);
    expect(long.keeperHeadless.length).toBeLessThanOrEqual(63);
    // a Job's name is its pods' job-name label value
    expect(long.schemaJob('0123456789').length).toBeLessThanOrEqual(63);
  });
});
