// Planning the ALTERs that give existing tables the configured retention, in both renderings, from what
// system.tables shows. The statements themselves run on the real engine in ingest/regressions/
// retention-change.int.test.ts (single node) and operator/ensure-schema.int.test.ts (both renderings).
import { describe, expect, it } from 'vitest';
import { planRetention, retentionNotice, ttlDays } from './retain.ts';

const ttl = (column: string, days: number) => `TTL toDateTime(${column}) + toIntervalDay(${days})`;

/** system.tables of the single-node rendering: events kept 30 days, logs for ever, accounts has no age. */
const single = [
  {
    name: 'events',
    engine_full: `MergeTree ORDER BY (oid, created_at) ${ttl('created_at', 30)} SETTINGS x = 1`,
  },
  { name: 'logs', engine_full: 'MergeTree ORDER BY created_at SETTINGS x = 1' },
  { name: 'accounts', engine_full: 'ReplacingMergeTree ORDER BY uid' },
];

/** The same in the cluster rendering: the rows (and the TTL) in X_local, a Distributed X over it. */
const cluster = [
  {
    name: 'events_local',
    engine_full: `ReplicatedMergeTree('/clickhouse/tables/{shard}/tr/events_local', '{replica}') ORDER BY (oid, created_at) ${ttl('created_at', 30)}`,
  },
  { name: 'events', engine_full: "Distributed('c', 'tr', 'events_local', rand())" },
  {
    name: 'logs_local',
    engine_full:
      "ReplicatedMergeTree('/clickhouse/tables/{shard}/tr/logs_local', '{replica}') ORDER BY created_at",
  },
  { name: 'logs', engine_full: "Distributed('c', 'tr', 'logs_local', rand())" },
  {
    name: 'rollup_settings',
    engine_full:
      "ReplicatedReplacingMergeTree('/clickhouse/tables/all/tr/rollup_settings', '{shard}-{replica}')",
  },
];

describe('planRetention', () => {
  it.each([
    [
      'single node',
      single,
      {},
      [
        {
          table: 'events',
          from: 30,
          to: 7,
          statement: 'ALTER TABLE `tr`.`events` MODIFY TTL toDateTime(created_at) + INTERVAL 7 DAY',
        },
        {
          table: 'logs',
          from: 0,
          to: 7,
          statement: 'ALTER TABLE `tr`.`logs` MODIFY TTL toDateTime(created_at) + INTERVAL 7 DAY',
        },
      ],
    ],
    [
      'cluster: the local tables, ON CLUSTER',
      cluster,
      { cluster: 'c' },
      [
        {
          table: 'events',
          from: 30,
          to: 7,
          statement:
            "ALTER TABLE `tr`.`events_local` ON CLUSTER 'c' MODIFY TTL toDateTime(created_at) + INTERVAL 7 DAY",
        },
        {
          table: 'logs',
          from: 0,
          to: 7,
          statement:
            "ALTER TABLE `tr`.`logs_local` ON CLUSTER 'c' MODIFY TTL toDateTime(created_at) + INTERVAL 7 DAY",
        },
      ],
    ],
  ])('%s: a shorter retention MODIFY TTLs every table that differs', (_, tables, rendering, steps) => {
    expect(planRetention(tables, { database: 'tr', retention: { defaultDays: 7 }, ...rendering })).toEqual(
      steps,
    );
  });

  it.each([
    [single, {}, 'ALTER TABLE `tr`.`events` REMOVE TTL'],
    [cluster, { cluster: 'c' }, "ALTER TABLE `tr`.`events_local` ON CLUSTER 'c' REMOVE TTL"],
  ])('keeping for ever again removes the TTL (%#)', (tables, rendering, statement) => {
    expect(planRetention(tables, { database: 'tr', ...rendering })).toEqual([
      { table: 'events', from: 30, to: 0, statement },
    ]);
  });

  it.each([
    [single, {}],
    [cluster, { cluster: 'c' }],
  ])('plans nothing when every table keeps what the retention says (%#)', (tables, rendering) => {
    const retention = { defaultDays: 0, tables: { events: 30 } };
    expect(planRetention(tables, { database: 'tr', retention, ...rendering })).toEqual([]);
  });

  it('never plans for a Distributed table in the cluster rendering, nor for X_local on a single node', () => {
    const local = [{ name: 'events_local', engine_full: 'MergeTree ORDER BY created_at' }];
    expect(planRetention(local, { database: 'tr', retention: { defaultDays: 7 } })).toEqual([]);
    const distributed = cluster.filter((t) => !t.name.endsWith('_local'));
    expect(
      planRetention(distributed, { database: 'tr', cluster: 'c', retention: { defaultDays: 7 } }),
    ).toEqual([]);
  });
});

describe('ttlDays', () => {
  it.each([
    [`MergeTree ORDER BY x ${ttl('created_at', 30)} SETTINGS a = 1`, 30],
    [`ReplicatedMergeTree('/p', '{replica}') ORDER BY x ${ttl('ts', 400)}`, 400],
    ['MergeTree ORDER BY x SETTINGS a = 1', 0],
  ])('%s → %i', (engineFull, days) => {
    expect(ttlDays(engineFull)).toBe(days);
  });
});

describe('retentionNotice', () => {
  it('groups the tables by their change and says nothing without one', () => {
    expect(
      retentionNotice([
        { table: 'events', from: 0, to: 30 },
        { table: 'hits', from: 0, to: 30 },
        { table: 'logs', from: 0, to: 7 },
      ]),
    ).toBe(
      'retention: events, hits keep rows 30 days (were kept for ever); logs keep rows 7 days (were kept for ever)',
    );
    expect(retentionNotice([])).toBeUndefined();
  });
});
