// Servers that each hold their own single-node tables (the operator's per-replica schema mode: no Keeper,
// so no ON CLUSTER; the ClickHouse Service spreads inserts over all of them) share nothing: a mutation run
// on one leaves the others' rows. With store.hostUrls naming every server, erasure and `tracker prune` run
// their mutations on each. Two ClickHouse-HTTP test doubles (the real engine behind each) play the servers;
// before, the rendered configuration named the cluster, and its `X_local ON CLUSTER` mutations could run
// on none of them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPortUrl } from '../e2e/env/ports.ts';
import { buildApp } from '../ingest/app.ts';
import { parseConfig } from '../ingest/config.ts';
import { erasureRepository } from '../ingest/repositories/erasures.ts';
import { createDataPathDouble } from '../ingest/testing/datapath-double.ts';
import { testDeps } from '../ingest/testing/deps.ts';
import { type ClickHouseDouble, startClickHouseDouble } from '../operator/testing/clickhouse-doubles.ts';
import { applyMigrations } from '../schema/index.ts';
import { ClickHouseStore } from '../store/index.ts';
import { program } from './program.ts';

const OID = '0a000000-0000-4000-8000-00000000000a';
const vid = (n: number) => `1d2c3b4a-0000-4000-8000-00000000000${n}`;

let doubles: ClickHouseDouble[] = [];
let stores: ClickHouseStore[] = [];

beforeAll(async () => {
  doubles = await Promise.all([startClickHouseDouble(), startClickHouseDouble()]);
  stores = doubles.map((d) => new ClickHouseStore({ url: d.url, database: 'tracker' }));
  for (const s of stores) await applyMigrations(s, { database: 'tracker' });
});
afterAll(async () => {
  for (const s of stores) await s.close();
  await Promise.all(doubles.map((d) => d.remove()));
});

/** Rows of `visitors` on every server, as inserts spread over them through the Service would leave them. */
async function seed(visitors: number[], tag: string): Promise<void> {
  for (const [i, s] of stores.entries()) {
    const rows = visitors.map((v) => ({ eid: crypto.randomUUID(), vid: vid(v), oid: OID, ename: tag }));
    await s.insert('events', rows, { dedupToken: `${tag}-${i}` });
  }
}

/** The visitors each server still holds rows of, for one seed. */
const held = (tag: string) =>
  Promise.all(
    stores.map(async (s) =>
      (
        await s.query<{ v: string }>(
          'SELECT DISTINCT toString(vid) AS v FROM events WHERE ename = {tag:String} ORDER BY v',
          { tag },
        )
      ).map((r) => r.v),
    ),
  );

const config = () =>
  parseConfig({
    store: { kind: 'clickhouse', url: doubles[0]!.url, hostUrls: doubles.map((d) => d.url) },
  }).store;

describe('mutations on servers that each hold their own tables (store.hostUrls)', () => {
  it('erasure deletes the visitor on every server', async () => {
    await seed([1, 2], 'erase');
    const repository = erasureRepository(stores[0]!, config());
    expect(await repository.run(repository.plan({ vid: vid(1) }))).toEqual([]);
    expect(await held('erase')).toEqual([[vid(2)], [vid(2)]]);
  });

  // The lookup of the ids linked to an email (and of the person's IPs) read the server behind store.url
  // alone: an event carrying the link stored on another server linked nothing, and the person's page
  // views and rollups by IP stayed on every server while the request said done.
  it('an erase by email finds the linked ids and IPs on every server, and deletes their rows on each', async () => {
    const [person, other, ip, otherIp] = [vid(5), vid(6), '198.51.100.5', '192.0.2.6'];
    const uid = '6f1f7a5e-8f0c-4a1d-9a8e-00000000000e';
    const event = (v: string, at: string, more: Record<string, unknown> = {}) => ({
      eid: crypto.randomUUID(),
      vid: v,
      oid: OID,
      ip: at,
      ename: 'linked',
      ...more,
    });
    // the signup (the only event holding the email's hash) landed on the second server
    await stores[1]!.insert('events', [event(person, ip, { uid, params: { ehash: 'linked-hash' } })], {
      dedupToken: 'linked-signup',
    });
    for (const [i, s] of stores.entries())
      await s.insert('events', [event(person, ip), event(other, otherIp)], { dedupToken: `linked-${i}` });

    const repository = erasureRepository(stores[0]!, config());
    const target = { ehash: 'linked-hash', oid: OID };
    const linked = await repository.linked(target);
    expect({ vids: linked.vids, uids: linked.uids, ips: linked.ips }).toEqual({
      vids: [person],
      uids: [uid],
      ips: [ip],
    });
    expect(await repository.run(repository.plan(target, linked))).toEqual([]);
    expect(await held('linked')).toEqual([[other], [other]]);
    const ips = (s: ClickHouseStore) =>
      s.query<{ ip: string }>('SELECT DISTINCT ip FROM ips WHERE ip IN ({a:String}, {b:String})', {
        a: ip,
        b: otherIp,
      });
    for (const s of stores) expect(await ips(s)).toEqual([{ ip: otherIp }]);
  });

  // The status rows of a request go to whichever server took the insert, and the status read went to the
  // server behind store.url alone: a request recorded on another one answered 404, or an older status.
  it("a request's status is its latest on any server, and a server that cannot be read fails the read", async () => {
    const row = (requestId: string, status: string, at: string) => ({
      request_id: requestId,
      oid: OID,
      status,
      detail: `${status} detail`,
      updated_at: at,
    });
    const [both, second] = [crypto.randomUUID(), crypto.randomUUID()];
    await stores[0]!.insert('erasures', [row(both, 'pending', '2026-01-01 00:00:00.000')], {
      dedupToken: 'status-0',
    });
    await stores[1]!.insert(
      'erasures',
      [row(both, 'done', '2026-01-01 00:00:05.000'), row(second, 'running', '2026-01-01 00:00:01.000')],
      { dedupToken: 'status-1' },
    );
    const repository = erasureRepository(stores[0]!, config());
    expect(await repository.status(both)).toEqual({ status: 'done', detail: 'done detail' });
    expect(await repository.status(second)).toEqual({ status: 'running', detail: 'running detail' });
    expect(await repository.status(crypto.randomUUID())).toBeUndefined();

    const down = await closedPortUrl();
    const oneDown = parseConfig({
      store: { kind: 'clickhouse', url: doubles[0]!.url, hostUrls: [doubles[0]!.url, down] },
    }).store;
    await expect(erasureRepository(stores[0]!, oneDown).status(second)).rejects.toThrow();
  });

  // A server that could not be read made GET /ppi/forget/<id> a generic 500 INTERNAL: the person (or their
  // retry logic) could not tell "the store is down, ask again later" from a bug.
  it('the status route answers 503 OVERLOADED with Retry-After while a server cannot be read', async () => {
    const requestId = crypto.randomUUID();
    await stores[0]!.insert('erasures', [{ request_id: requestId, oid: OID, status: 'done', detail: '' }], {
      dedupToken: 'status-down',
    });
    const down = await closedPortUrl();
    const store = { kind: 'clickhouse', url: doubles[0]!.url, hostUrls: [doubles[0]!.url, down] };
    const app = await buildApp(await testDeps(createDataPathDouble(), { store }));
    try {
      const res = await app.inject({ url: `/tr/v1/ppi/forget/${requestId}` });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
      expect(res.json()).toEqual({
        error: 'OVERLOADED',
        message:
          'erase request status unknown: store server 2 of 2 (store.hostUrls) could not be read; retry later',
      });
    } finally {
      await app.close();
    }
  });

  it('tracker prune removes listed visitors on every server, one report per server', async () => {
    await seed([3, 4], 'prune');
    const dir = mkdtempSync(join(tmpdir(), 'per-replica-prune-'));
    const file = join(dir, 'ingest.json');
    writeFileSync(file, JSON.stringify({ store: config() }));
    const visitors = join(dir, 'vids.txt');
    writeFileSync(visitors, `${vid(3)}\n`);
    const out: string[] = [];
    let code = -1;
    const cli = program({ out: (t) => out.push(t), err: () => {}, exit: (c) => (code = c) });
    await cli.parseAsync(['node', 'tracker', 'prune', '--config', file, '--visitors', visitors, '--apply']);
    expect(code).toBe(0);
    expect(await held('prune')).toEqual([[vid(4)], [vid(4)]]);
    expect(out.map((report) => report.split('\n')[0])).toEqual(
      doubles.map((d) => expect.stringContaining(`(host ${d.url}, database tracker)`)),
    );
  });
});
