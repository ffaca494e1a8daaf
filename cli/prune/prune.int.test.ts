// `tracker prune` on the real engine (chdb) with rows of several ages: the dry run counts exactly what
// --apply then changes, in one batch per partition; anonymising clears what identifies a person and keeps
// the rest; a visitor list removes those visitors everywhere. The cluster rendering of a whole plan goes
// through ClickHouse's own parser (a cluster needs Keeper). And the embedded engine held by a running
// ingest: prune refuses, says why, changes nothing (the ingest goes on storing), and works once the
// ingest stopped.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announcements } from '../../ingest/testing/announced.ts';
import { applyMigrations, buildCatalog } from '../../schema/index.ts';
import { EmbeddedStore, type Row } from '../../store/index.ts';
import { readFacts } from './facts.ts';
import { planJobs } from './plan.ts';
import type { PruneRequest } from './request.ts';
import { countSql, jobStatement, partitionCountSql, runPrune, type TableReport } from './run.ts';

const NOW = new Date();
const DAY = 86_400_000;
const OID = '0a000000-0000-4000-8000-00000000000a';
const vid = (n: number) => `1d2c3b4a-0000-4000-8000-00000000000${n}`;
const ZERO = '00000000-0000-0000-0000-000000000000';
/** Ages in days; with a 90-day retention the last three are old, in (at most) three monthly partitions. */
const AGES = [1, 10, 40, 100, 200, 400];
const at = (days: number) =>
  new Date(NOW.getTime() - days * DAY).toISOString().replace('T', ' ').slice(0, 23);

let store: EmbeddedStore;
let dir: string;
let databases = 0;
/** Sessions bound to each seeded database (the store inserts into its own database); chdb allows several. */
const sessions: EmbeddedStore[] = [];

/** A fresh database with the schema (no TTLs: the retention changed after the tables were made). */
async function seeded(visitors = [1, 2]): Promise<string> {
  const database = `prune_${++databases}`;
  await applyMigrations(store, { database });
  const own = await EmbeddedStore.open({ path: join(dir, 'chdb'), database });
  sessions.push(own);
  const events: Row[] = visitors.flatMap((v) =>
    AGES.map((age, i) => ({
      eid: `e${v}00000${i}-0000-4000-8000-000000000000`,
      vid: vid(v),
      uid: v === 1 ? vid(9) : ZERO,
      oid: OID,
      created_at: at(age),
      ip: '203.0.113.0',
      iphash: 'h',
      city: 'Lyon',
      country: 'FR',
      url: `https://shop.example/${age}`,
      ename: 'page_view',
      params: { plan: 'pro', ehash: 'secret' },
      ad_match: { em: 'a'.repeat(64), ua: 'UA-1' },
    })),
  );
  await own.insert('events', events, { dedupToken: `seed-${database}` });
  const logs = AGES.map((age) => ({ id: vid(age % 10), created_at: at(age), ip: '203.0.113.0', msg: 'm' }));
  await own.insert('logs', logs, { dedupToken: `logs-${database}` });
  return database;
}

const count = async (sql: string) => Number((await store.query<{ n: number }>(sql))[0]?.n);
const request = (r: Partial<PruneRequest> = {}): PruneRequest => ({
  mode: 'delete',
  apply: false,
  retention: { defaultDays: 90, tables: { logs: 30 } },
  batchSize: 1000,
  now: NOW,
  ...r,
});
const tableOf = (tables: readonly TableReport[], name: string) => tables.find((t) => t.table === name);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'prune-'));
  store = await EmbeddedStore.open({ path: join(dir, 'chdb'), database: 'default' });
});
afterAll(async () => {
  for (const s of sessions) await s.close();
  await store.close();
});

describe('tracker prune by age', () => {
  it('dry run: counts exactly the rows older than each retention, per partition, and changes nothing', async () => {
    const database = await seeded();
    const report = await runPrune(store, { database }, request());
    const cutoff = (days: number) => `toDateTime64('${at(days)}', 3, 'UTC')`;
    const events = tableOf(report.tables, 'events');
    expect(events?.rows).toBe(
      await count(`SELECT count() AS n FROM ${database}.events WHERE created_at < ${cutoff(90)}`),
    );
    expect(events?.rows).toBe(6);
    expect(events?.batches).toBe(
      await count(
        `SELECT uniqExact(toYYYYMM(created_at)) AS n FROM ${database}.events WHERE created_at < ${cutoff(90)}`,
      ),
    );
    expect(tableOf(report.tables, 'logs')).toMatchObject({ action: 'delete', rows: 4 });
    expect(tableOf(report.tables, 'agreements')).toMatchObject({ action: 'skip' });
    expect(await count(`SELECT count() AS n FROM ${database}.events`)).toBe(12);
  });

  it('--apply deletes exactly those rows (rollups included); a second run finds nothing', async () => {
    const database = await seeded();
    const before = await count(
      `SELECT count() AS n FROM ${database}.events WHERE created_at >= toDateTime64('${at(90)}', 3, 'UTC')`,
    );
    const report = await runPrune(store, { database }, request({ apply: true }));
    expect(report.tables.filter((t) => t.failed !== undefined)).toEqual([]);
    expect(await count(`SELECT count() AS n FROM ${database}.events`)).toBe(before);
    expect(
      await count(
        `SELECT min(created_at) < toDateTime64('${at(90)}', 3, 'UTC') AS n FROM ${database}.events`,
      ),
    ).toBe(0);
    expect(await count(`SELECT count() AS n FROM ${database}.logs`)).toBe(2);
    expect(await count(`SELECT count() AS n FROM ${database}.hits WHERE date < toDate('${at(90)}')`)).toBe(0);
    const again = await runPrune(store, { database }, request());
    expect(again.tables.reduce((n, t) => n + t.rows, 0)).toBe(0);
  });

  it('anonymise: clears ids, IP, city and hashed ids in params of old rows; keeps the rest', async () => {
    const database = await seeded();
    const report = await runPrune(store, { database }, request({ mode: 'anonymise', apply: true }));
    expect(tableOf(report.tables, 'events')).toMatchObject({ action: 'anonymise', rows: 6 });
    const rows = await store.query<Record<string, string>>(
      `SELECT toString(vid) AS vid, toString(uid) AS uid, ip, city, country, url, toJSONString(params) AS params,
         toJSONString(ad_match) AS ad_match, created_at < toDateTime64('${at(90)}', 3, 'UTC') AS old FROM ${database}.events ORDER BY created_at`,
    );
    for (const r of rows.filter((r) => Number(r.old) === 1)) {
      expect(r).toMatchObject({
        vid: ZERO,
        uid: ZERO,
        ip: '',
        city: '',
        country: 'FR',
        params: '{"plan":"pro"}',
        ad_match: '{}', // the match keys for ad platforms are personal too
      });
    }
    for (const r of rows.filter((r) => Number(r.old) === 0)) {
      expect(r).toMatchObject({ ip: '203.0.113.0', city: 'Lyon', params: '{"ehash":"secret","plan":"pro"}' });
      expect(r.ad_match).toContain('"ua":"UA-1"');
      expect(r.vid).not.toBe(ZERO);
    }
    expect(rows).toHaveLength(12);
    // visitors is keyed by vid: its rows whose last visit is old are deleted (none here: both visited yesterday).
    expect(tableOf(report.tables, 'visitors')).toMatchObject({ action: 'delete', rows: 0 });
    const again = await runPrune(store, { database }, request({ mode: 'anonymise' }));
    expect(tableOf(again.tables, 'events')?.rows).toBe(0);
  });
});

describe('tracker prune by visitor list', () => {
  it('removes every row of the listed visitors in every table, one batch per chunk of ids', async () => {
    const database = await seeded([1, 2, 3]);
    const visitors = { vids: [vid(1), vid(2)], uids: [] };
    const report = await runPrune(store, { database }, request({ visitors, batchSize: 1, apply: true }));
    expect(tableOf(report.tables, 'events')).toMatchObject({ action: 'delete', rows: 12, batches: 2 });
    expect(tableOf(report.tables, 'visitors')).toMatchObject({ rows: 2, batches: 2 });
    expect(report.tables.filter((t) => t.failed !== undefined)).toEqual([]);
    const left = await store.query<{ v: string }>(
      `SELECT DISTINCT toString(vid) AS v FROM ${database}.events`,
    );
    expect(left).toEqual([{ v: vid(3) }]);
    expect(
      await count(`SELECT count() AS n FROM ${database}.visitors WHERE vid != toUUID('${vid(3)}')`),
    ).toBe(0);
  });
});

describe('the cluster rendering of a plan', () => {
  it('every counting query and mutation parses with the real ClickHouse parser', async () => {
    const database = await seeded();
    const catalog = buildCatalog();
    const single = await readFacts(store, [...catalog.keys()], { database });
    const rendering = { database, cluster: 'tracker' };
    const visitors = { vids: [vid(1)], uids: [vid(2)] };
    const statements = ['delete', 'anonymise'].flatMap((mode) =>
      [request({ mode: mode as 'delete' }), request({ mode: mode as 'delete', visitors })].flatMap((r) =>
        planJobs(catalog, single, r).flatMap((job) => {
          if ('skip' in job) return [];
          const batch = job.partitionId
            ? jobStatement(job, rendering, { partition: '202601' })
            : jobStatement(job, rendering);
          return [batch, job.partitionId ? partitionCountSql(job, rendering) : countSql(job, rendering)];
        }),
      ),
    );
    expect(statements.length).toBeGreaterThan(60);
    for (const sql of statements) {
      const [row] = await store.query<{ f: string }>('SELECT formatQuery({sql:String}) AS f', { sql });
      expect(row?.f, sql).toMatch(/^(ALTER TABLE \S+_local ON CLUSTER tracker|SELECT)/);
    }
  });
});

describe('the embedded engine while an ingest runs', () => {
  const cli = new URL('../../bin/tracker.ts', import.meta.url).pathname;
  const server = new URL('../../ingest/server.ts', import.meta.url).pathname;
  const query = new URL('../../ingest/query.ts', import.meta.url).pathname;
  let ingest: ChildProcess | undefined;
  afterAll(() => ingest?.kill('SIGKILL'));

  it('refuses with one clear line and changes nothing, the ingest stores on; once it stopped, it prunes', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'prune-locked-'));
    // no SQL endpoint: query.ts below opens the directory itself once the ingest stopped
    writeFileSync(
      join(cwd, 'ingest.json'),
      JSON.stringify({ server: { host: '127.0.0.1', port: 0, opsPort: 0 }, sql: { enabled: false } }),
    );
    ingest = spawn(process.execPath, [server, '--config', 'ingest.json'], {
      cwd,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const port = await announcements(ingest)('dashboard');
    const ready = () =>
      fetch(`http://127.0.0.1:${port}/ready`).then(
        (r) => r.status,
        () => 0,
      );
    await expect.poll(ready, { timeout: 60_000, interval: 200 }).toBe(200);
    const prune = () =>
      spawnSync(process.execPath, [cli, 'prune', '--config', 'ingest.json', '--days', '1', '--apply'], {
        cwd,
        encoding: 'utf8',
      });
    const refused = prune();
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(
        `tracker: open the embedded engine at ./data/chdb: another process \\(pid ${ingest.pid}\\) holds it`,
      ),
    );
    expect(refused.stderr).toContain('Nothing was changed: stop the ingest, then run tracker prune again');
    // The refused prune touched none of the ingest's files: what it acknowledges next is stored by the
    // time its SIGTERM drain ends (a refused opener once removed the files the ingest inserts from, and
    // every later insert failed until a restart).
    const sent = await fetch(`http://127.0.0.1:${port}/tr/v1/str/`, {
      method: 'POST',
      body: JSON.stringify({ ename: 'after_refused_prune' }),
    });
    expect(sent.status).toBe(200);
    ingest.kill('SIGTERM');
    await new Promise((r) => ingest?.once('exit', r));
    const done = prune();
    expect(done.stderr).toBe('');
    expect(done.status).toBe(0);
    expect(done.stdout).toMatch(/^events\s+delete\s+0\s+0 batches/m);
    expect(done.stdout).toMatch(/^Done: deleted 0 rows in 0 batches\.$/m);
    const stored = spawnSync(
      process.execPath,
      [
        query,
        '--config',
        'ingest.json',
        '--json',
        "SELECT count() AS n FROM events WHERE ename = 'after_refused_prune'",
      ],
      { cwd, encoding: 'utf8' },
    );
    expect(stored.stdout.trim()).toBe('{"n":1}');
  });
});
