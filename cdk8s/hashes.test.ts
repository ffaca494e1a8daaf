// The two ClickHouse config hashes: the operator restarts a replica only when the restart hash changes.
import { describe, expect, it } from 'vitest';
import { renderCluster } from './index.ts';
import { cluster } from './testing/cluster.ts';

const hashes = (spec: unknown) => renderCluster(cluster(spec)).hashes;
const base = { clickhouse: { shards: 1, replicas: 2 }, keeper: { replicas: 1 } };

describe('ClickHouse config hashes', () => {
  it.each([
    ['a shard is added (remote_servers)', { ...base, clickhouse: { shards: 2, replicas: 2 } }],
    ['a replica is added (remote_servers)', { ...base, clickhouse: { shards: 1, replicas: 3 } }],
    ['Keeper grows (zookeeper section)', { ...base, keeper: { replicas: 3 } }],
  ])('hot-reloadable change: %s changes only the hot hash', (_name, spec) => {
    const before = hashes(base).clickhouse['demo-ch-0-0']!;
    const after = hashes(spec).clickhouse['demo-ch-0-0']!;
    expect(after.restart).toBe(before.restart);
    expect(after.hot).not.toBe(before.hot);
  });

  it.each([
    [
      'extraConfig',
      { ...base, clickhouse: { ...base.clickhouse, extraConfig: { max_concurrent_queries: 10 } } },
    ],
    ['the cluster domain (interserver host)', { ...base, clusterDomain: 'example.internal' }],
  ])('restart-relevant change: %s changes the restart hash', (_name, spec) => {
    expect(hashes(spec).clickhouse['demo-ch-0-0']!.restart).not.toBe(
      hashes(base).clickhouse['demo-ch-0-0']!.restart,
    );
  });

  it('replicas differ in both hashes (own macros and interserver host), so each restarts on its own', () => {
    const h = hashes(base).clickhouse;
    expect(h['demo-ch-0-0']!.restart).not.toBe(h['demo-ch-0-1']!.restart);
    expect(h['demo-ch-0-0']!.hot).not.toBe(h['demo-ch-0-1']!.hot);
  });

  it('changes outside the ClickHouse config (ingest, images) change no ClickHouse hash', () => {
    const other = hashes({
      ...base,
      ingest: { replicas: 5 },
      // another image of the same release (a release has MergeTree defaults of its own)
      clickhouse: { ...base.clickhouse, image: 'registry.local/clickhouse-server:25.8' },
    });
    expect(other.clickhouse).toEqual(hashes(base).clickhouse);
  });

  it('Keeper: membership is hot, the restart hash stays', () => {
    const k1 = hashes({ keeper: { replicas: 1 } }).keeper;
    const k3 = hashes({ keeper: { replicas: 3 } }).keeper;
    expect(k3.restart).toBe(k1.restart);
    expect(k3.hot).not.toBe(k1.hot);
  });
});
