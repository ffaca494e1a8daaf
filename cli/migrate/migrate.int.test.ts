// `tracker migrate` against ClickHouse-HTTP test doubles (the real engine behind each, and the cluster
// stand-in for ON CLUSTER over a shared Keeper stand-in): the schema a clickhouse store needs, which the
// ingest never applies there. One server, a cluster run from one of its servers, servers that each hold
// their own tables (store.hostUrls). A second run applies nothing; a dry run writes nothing. A server
// that does not answer, or refuses the password, is a coded error with its own exit code.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPortUrl } from '../../e2e/env/ports.ts';
import { type ClickHouseDouble, startClickHouseDouble } from '../../operator/testing/clickhouse-doubles.ts';
import { loadMigrations } from '../../schema/index.ts';
import { ClickHouseStore } from '../../store/index.ts';
import { program } from '../program.ts';

const dir = mkdtempSync(join(tmpdir(), 'migrate-'));
const cli = new URL('../../bin/tracker.ts', import.meta.url).pathname;
const versions = loadMigrations().map((m) => m.version);
const latest = Math.max(...versions);

let files = 0;
/** An ingest configuration file with this store (and retention). */
function configFile(store: Record<string, unknown>, more: Record<string, unknown> = {}): string {
  const file = join(dir, `ingest-${++files}.json`);
  writeFileSync(file, JSON.stringify({ store: { kind: 'clickhouse', ...store }, ...more }));
  return file;
}

/** Runs `tracker migrate` in this process: what it printed and the exit code it set. */
async function migrate(config: string, ...flags: string[]) {
  const out: string[] = [];
  let code = 0;
  const cmd = program({ out: (t) => out.push(t), err: () => {}, exit: (c) => (code = c) });
  await cmd.parseAsync(['node', 'tracker', 'migrate', '--config', config, ...flags]);
  return { text: out.join(''), code };
}

/** Runs the installed command line, as a script would: its exit code and stderr. */
function migrateProcess(config: string) {
  const run = spawnSync(process.execPath, [cli, 'migrate', '--config', config], { encoding: 'utf8' });
  return { code: run.status, stderr: run.stderr };
}

const stores: ClickHouseStore[] = [];
const on = (d: ClickHouseDouble) => {
  const s = new ClickHouseStore({ url: d.url, database: 'default' });
  stores.push(s);
  return s;
};
const tablesOf = async (d: ClickHouseDouble, database: string) =>
  (
    await on(d).query<{ name: string }>(
      'SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name',
      { db: database },
    )
  ).map((r) => r.name);
const ttlOf = async (d: ClickHouseDouble, database: string, table: string) =>
  (
    await on(d).query<{ e: string }>(
      'SELECT engine_full AS e FROM system.tables WHERE database = {db:String} AND name = {t:String}',
      { db: database, t: table },
    )
  )[0]?.e.match(/toIntervalDay\((\d+)\)/)?.[1];

let servers: ClickHouseDouble[] = [];
let cluster: ClickHouseDouble[] = [];

beforeAll(async () => {
  const macros = [
    { shard: '0', replica: 'r0' },
    { shard: '0', replica: 'r1' },
  ];
  [servers, cluster] = await Promise.all([
    Promise.all([startClickHouseDouble(), startClickHouseDouble()]),
    Promise.all(macros.map((m) => startClickHouseDouble({ cluster: { name: 'c', macros: m } }))),
  ]);
  const urls = cluster.map((d) => d.url);
  for (const d of cluster) await d.setTopology({ hosts: urls, peers: urls });
});
afterAll(async () => {
  for (const s of stores) await s.close();
  await Promise.all([...servers, ...cluster].map((d) => d.remove()));
});

describe('tracker migrate on one server', () => {
  it('a dry run lists every migration and creates nothing; a run creates the tables; a second run applies nothing', async () => {
    const config = configFile({ url: servers[0]!.url, database: 'single' });
    const dry = await migrate(config, '--dry-run');
    expect(dry.code).toBe(2);
    expect(dry.text).toContain('database single: to create');
    expect(dry.text).toContain(`migrations to apply: ${versions.join(', ')}`);
    expect(dry.text).toContain('Dry run: nothing was changed.');
    const databases = await on(servers[0]!).query<{ name: string }>(
      "SELECT name FROM system.databases WHERE name = 'single'",
    );
    expect(databases).toEqual([]);

    const first = await migrate(config);
    expect(first.code).toBe(0);
    expect(first.text).toContain(`migrations applied: ${versions.join(', ')}`);
    expect(first.text).toContain(`Done: the schema is at version ${latest}.`);
    expect(await tablesOf(servers[0]!, 'single')).toEqual(
      expect.arrayContaining(['events', 'logs', 'schema_migrations', 'rollup_settings']),
    );

    const second = await migrate(config);
    expect(second).toEqual({
      code: 0,
      text: `tracker migrate (database single)\nNothing to apply: the schema is at version ${latest}.\n`,
    });
    const again = await migrate(config, '--dry-run');
    expect(again.code).toBe(0);
    expect(again.text).toContain('Nothing to apply');
  });

  it('a retention changed after the tables were made: the dry run lists the TTLs and keeps them, a run changes them', async () => {
    const config = configFile({ url: servers[0]!.url, database: 'kept' });
    await migrate(config);
    expect(await ttlOf(servers[0]!, 'kept', 'events')).toBeUndefined();
    const thirty = configFile({ url: servers[0]!.url, database: 'kept' }, { retention: { defaultDays: 30 } });

    const dry = await migrate(thirty, '--dry-run');
    expect(dry.code).toBe(2);
    expect(dry.text).toMatch(/retention to change: .*events for ever -> 30 days/);
    expect(dry.text).not.toContain('migrations to apply');
    expect(await ttlOf(servers[0]!, 'kept', 'events')).toBeUndefined();

    const run = await migrate(thirty);
    expect(run.text).toMatch(/retention changed: .*events for ever -> 30 days/);
    expect(await ttlOf(servers[0]!, 'kept', 'events')).toBe('30');
    expect((await migrate(thirty)).text).toContain('Nothing to apply');
  });
});

describe('tracker migrate on servers that each hold their own tables (store.hostUrls)', () => {
  it('applies the single-node schema on each server, named in its report', async () => {
    const urls = servers.map((d) => d.url);
    const config = configFile({ url: urls[0], hostUrls: urls, database: 'each' });
    const run = await migrate(config);
    expect(run.code).toBe(0);
    for (const url of urls) expect(run.text).toContain(`tracker migrate (host ${url}, database each)`);
    for (const d of servers) expect(await tablesOf(d, 'each')).toContain('events');
    expect((await migrate(config)).text.match(/Nothing to apply/g)).toHaveLength(2);
  });
});

describe('tracker migrate on a cluster (store.cluster)', () => {
  it('creates the cluster rendering on every host from one server; a second run applies nothing', async () => {
    const config = configFile({ url: cluster[0]!.url, cluster: 'c', database: 'shared' });
    const dry = await migrate(config, '--dry-run');
    expect(dry.code).toBe(2);
    expect(await tablesOf(cluster[1]!, 'shared')).toEqual([]);

    const run = await migrate(config);
    expect(run.code).toBe(0);
    expect(run.text).toContain('tracker migrate (cluster c, database shared)');
    for (const d of cluster)
      expect(await tablesOf(d, 'shared')).toEqual(expect.arrayContaining(['events', 'events_local']));
    const second = await migrate(config);
    expect(second.code).toBe(0);
    expect(second.text).toContain('Nothing to apply');
  });

  it("a changed retention reaches every host's X_local table, ON CLUSTER; the dry run only lists it", async () => {
    const store = { url: cluster[0]!.url, cluster: 'c', database: 'aged' };
    expect((await migrate(configFile(store))).code).toBe(0);
    const thirty = configFile(store, { retention: { defaultDays: 30 } });

    const dry = await migrate(thirty, '--dry-run');
    expect(dry.code).toBe(2);
    expect(dry.text).toMatch(/retention to change: .*events for ever -> 30 days/);
    for (const d of cluster) expect(await ttlOf(d, 'aged', 'events_local')).toBeUndefined();

    const run = await migrate(thirty);
    expect(run.text).toMatch(/retention changed: .*events for ever -> 30 days/);
    for (const d of cluster) expect(await ttlOf(d, 'aged', 'events_local')).toBe('30');
    expect((await migrate(thirty)).text).toContain('Nothing to apply');
  });
});

describe('tracker migrate when the store cannot be migrated', () => {
  it('a server that does not answer: exit 3, MIGRATE_STORE_UNREACHABLE naming the URL', async () => {
    const url = await closedPortUrl();
    const run = migrateProcess(configFile({ url }));
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^tracker: MIGRATE_STORE_UNREACHABLE: ClickHouse at http:\/\/127\.0\.0\.1:\d+ did not answer/,
    );
  });

  it('a password the server refuses: exit 4, MIGRATE_CREDENTIALS_REFUSED naming the user and the settings', async () => {
    const locked = await startClickHouseDouble({ password: 'right' });
    try {
      const passwordFile = join(dir, 'password');
      writeFileSync(passwordFile, 'wrong\n');
      const run = migrateProcess(configFile({ url: locked.url, passwordFile }));
      expect(run.code).toBe(4);
      expect(run.stderr).toContain(
        `tracker: MIGRATE_CREDENTIALS_REFUSED: ClickHouse at ${locked.url} refused user "default": wrong user name or password (store.username, store.passwordFile)`,
      );
    } finally {
      await locked.remove();
    }
  });
});
