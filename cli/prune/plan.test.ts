import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../schema/index.ts';
import { cutoffLiteral, type Job, planJobs, type TableFacts } from './plan.ts';
import type { PruneRequest } from './request.ts';
import { jobStatement, visitorChunks, type Work } from './run.ts';

const catalog = buildCatalog();
const now = new Date('2026-03-10T12:00:00Z');
/** What system.tables / system.columns say about the migrated schema (the integration test reads them). */
const keys: Record<string, [string, string[]]> = {
  events: ['toYYYYMM(created_at)', ['oid', 'created_at', 'ename', 'eid']],
  visitors: ['', ['oid', 'vid']],
  hits: ['toYYYYMM(date)', ['hhash', 'url', 'date']],
  logs: ['toYYYYMM(created_at)', ['topic', 'created_at', 'id']],
  agreements: ['', ['oid', 'vid']],
};
const facts = new Map<string, TableFacts>(
  [...catalog.keys()].map((t) => {
    const [partitionKey, keyColumns] = keys[t] ?? ['', []];
    return [t, { partitionKey, keyColumns: new Set(keyColumns) }];
  }),
);
const request = (r: Partial<PruneRequest> = {}): PruneRequest => ({
  mode: 'delete',
  apply: false,
  retention: { defaultDays: 90, tables: { logs: 30, hits: 0 } },
  batchSize: 1000,
  now,
  ...r,
});
const byTable = (jobs: Job[]) => new Map(jobs.map((j) => [j.table, j]));
const work = (job: Job | undefined): Work => {
  if (job === undefined || 'skip' in job) throw new Error(`expected work, got ${JSON.stringify(job)}`);
  return job;
};

describe('planJobs: by age', () => {
  const jobs = byTable(planJobs(catalog, facts, request()));

  it('deletes rows older than each table retention, batched by the table partitions', () => {
    expect(jobs.get('events')).toEqual({
      table: 'events',
      action: 'delete',
      where: "created_at < toDateTime64('2025-12-10 12:00:00.000', 3, 'UTC')",
      partitionId: 'partitionID(toYYYYMM(created_at))',
      note: 'created_at before 2025-12-10 12:00:00.000 (90 days)',
    });
    expect(work(jobs.get('logs')).where).toContain("'2026-02-08 12:00:00.000'");
    expect(work(jobs.get('visitors')).partitionId).toBe("'all'");
  });

  it.each([
    ['hits', 'retention 0: kept forever'],
    ['agreements', 'no age column: kept until erased'],
    ['orgs', 'no age column: kept until erased'],
  ])('skips %s: %s', (table, reason) => {
    expect(jobs.get(table)).toEqual({ table, skip: reason });
  });

  it('skips a table the database does not have', () => {
    const without = new Map(facts);
    without.delete('events');
    expect(byTable(planJobs(catalog, without, request())).get('events')).toEqual({
      table: 'events',
      skip: 'not in the database',
    });
  });
});

describe('planJobs: anonymise', () => {
  const jobs = byTable(planJobs(catalog, facts, request({ mode: 'anonymise' })));

  it('clears personal columns and the hashed ids in params of rows that still hold any', () => {
    const events = work(jobs.get('events'));
    expect(events.action).toBe('anonymise');
    expect(events.assignments).toContain('vid = defaultValueOfArgumentType(vid)');
    expect(events.assignments).toContain('ip = defaultValueOfArgumentType(ip)');
    expect(events.assignments).toMatch(/params = CAST\(.*'ehash', 'chash', 'uhash'/);
    expect(events.assignments).not.toContain('country');
    expect(events.where).toMatch(/^created_at < .* AND \(vid != defaultValueOfArgumentType\(vid\) OR /);
  });

  it('deletes where a personal column is part of the key (the row is the person)', () => {
    expect(work(jobs.get('visitors'))).toMatchObject({
      action: 'delete',
      note: expect.stringContaining('vid is part of its key'),
    });
  });

  it('skips a table with nothing personal', () => {
    expect(jobs.get('outcomes')).toEqual({ table: 'outcomes', skip: 'nothing personal to anonymise' });
  });
});

describe('planJobs: by visitor list', () => {
  const visitors = { vids: ['1d2c3b4a-0000-4000-8000-000000000001'], uids: [] };
  const jobs = byTable(planJobs(catalog, facts, request({ visitors })));

  it('selects the visitors rows in every table holding their ids, whatever their age', () => {
    expect(jobs.get('events')).toEqual({
      table: 'events',
      action: 'delete',
      where: '(vid IN {vids:Array(UUID)})',
      note: 'rows of the listed visitors',
    });
    expect(work(jobs.get('ltv')).where).toContain("id_type = 'vid'");
    expect(jobs.get('hits')).toEqual({ table: 'hits', skip: 'holds none of the listed ids' });
  });

  it('notes the rows of the listed users for a --users list', () => {
    const users = { vids: [], uids: ['6f1f7a5e-8f0c-4a1d-9a8e-2b1f0c3d4e5f'] };
    const byUser = byTable(planJobs(catalog, facts, request({ visitors: users })));
    expect(work(byUser.get('events')).note).toBe('rows of the listed users');
  });

  it('chunks the ids: every chunk names both lists', () => {
    const ids = { vids: ['a', 'b', 'c'], uids: ['d'] };
    expect(visitorChunks(ids, 2)).toEqual([
      { label: 'ids 1-2', params: { vids: ['a', 'b'], uids: [] } },
      { label: 'ids 3-4', params: { vids: ['c'], uids: ['d'] } },
    ]);
  });
});

describe('jobStatement', () => {
  const events = work(byTable(planJobs(catalog, facts, request())).get('events'));

  it('single node: the table itself, one partition, waiting on this server', () => {
    expect(jobStatement(events, { database: 'tracker' }, { partition: '202511' })).toBe(
      `ALTER TABLE \`tracker\`.\`events\` DELETE IN PARTITION ID '202511' WHERE ${events.where} SETTINGS mutations_sync = 1`,
    );
  });

  it('cluster: the _local storage ON CLUSTER, waiting on every replica', () => {
    const sql = jobStatement(events, { database: 'tracker', cluster: 'tracker' }, { partition: '202511' });
    expect(sql).toMatch(/^ALTER TABLE `tracker`.`events_local` ON CLUSTER 'tracker' DELETE IN PARTITION ID/);
    expect(sql).toMatch(/SETTINGS mutations_sync = 2$/);
  });

  it('refuses a partition id that cannot be quoted safely', () => {
    expect(() => jobStatement(events, { database: 'tracker' }, { partition: "x' OR 1" })).toThrow(
      /invalid partition id/,
    );
  });
});

describe('cutoffLiteral', () => {
  it('is UTC with milliseconds', () => {
    expect(cutoffLiteral(new Date('2026-01-01T00:00:00.007Z'), 1)).toEqual({
      sql: "toDateTime64('2025-12-31 00:00:00.007', 3, 'UTC')",
      text: '2025-12-31 00:00:00.007',
    });
  });
});
