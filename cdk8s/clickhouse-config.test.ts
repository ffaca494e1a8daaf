// The ClickHouse server's MergeTree defaults: the bounds on the files a part needs and parts synced before
// their insert answers, as the embedded engine has them, each only where the server's release has the
// setting (an unknown one stops the server).
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultImages } from '../crds/spec.ts';
import { ENGINE_MERGE_TREE } from '../store/embedded.ts';
import { releaseOf } from './clickhouse-config.ts';
import { renderCluster } from './index.ts';
import { cluster, find, json } from './testing/cluster.ts';

function mergeTree(image: string): Record<string, number> | undefined {
  const { objects } = renderCluster(cluster({ clickhouse: { image } }));
  return parse(json(find(objects, 'ConfigMap', 'demo-ch-0-0')).data['server.yaml']).merge_tree;
}

const durable = { fsync_after_insert: 1, fsync_part_directory: 1 };

describe('ClickHouse MergeTree defaults', () => {
  // Regression: the servers got none of them, so JSON-column inserts could write thousands of files a part.
  it.each([
    [
      'clickhouse/clickhouse-server:26.3',
      {
        min_level_for_wide_part: 1,
        merge_max_dynamic_subcolumns_in_wide_part: 0,
        object_shared_data_buckets_for_wide_part: 8,
        ...durable,
      },
    ],
    [
      'registry.local:5000/ch/clickhouse-server:25.12.2.10-alpine',
      {
        min_level_for_wide_part: 1,
        merge_max_dynamic_subcolumns_in_wide_part: 0,
        object_shared_data_buckets_for_wide_part: 8,
        ...durable,
      },
    ],
    [
      'clickhouse/clickhouse-server:25.11',
      { min_level_for_wide_part: 1, merge_max_dynamic_subcolumns_in_wide_part: 0, ...durable },
    ],
    ['clickhouse/clickhouse-server:25.10.1', { min_level_for_wide_part: 1, ...durable }],
    // 25.8 has none of the bounds working: the first two are unknown there (the server would not start)
    // and the bucket count is read by no serialization it uses by default. Every release syncs its parts.
    // Regression: an inserted part the server had answered for was only in the page cache, while the
    // ingest had deleted its rows from the spool.
    [defaultImages.clickhouse, durable],
  ])('%s gets the defaults its release has', (image, expected) => {
    expect(mergeTree(image)).toEqual(expected);
  });

  it("are the embedded engine's own values on a current release", () => {
    expect(mergeTree('clickhouse/clickhouse-server:26.8')).toEqual(ENGINE_MERGE_TREE);
  });

  it.each([
    ['a tag naming no release', 'clickhouse/clickhouse-server:latest'],
    ['a digest alone', 'clickhouse/clickhouse-server@sha256:0123abcd'],
  ])('%s gets none', (_name, image) => {
    expect(mergeTree(image)).toBeUndefined();
  });
});

describe('releaseOf', () => {
  it.each([
    ['clickhouse/clickhouse-server:25.8', [25, 8]],
    ['clickhouse/clickhouse-server:25.12.2.10-alpine', [25, 12]],
    ['clickhouse/clickhouse-server:26.3-alpine@sha256:0123abcd', [26, 3]],
    ['registry.local:5000/clickhouse-server:v26.1', [26, 1]],
    ['registry.local:5000/clickhouse-server', undefined],
    ['clickhouse/clickhouse-server:head', undefined],
    ['clickhouse/clickhouse-server:25', undefined],
    ['clickhouse/clickhouse-server:25.8x', undefined],
  ])('%s: %j', (image, release) => {
    expect(releaseOf(image)).toEqual(release);
  });
});
