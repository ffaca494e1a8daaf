// Property: what the data path's validation accepts, the engine stores. A row the ingest acknowledges is
// in the spool for good, and the spool can only deliver what the engine takes; a row it refuses later is
// a dead letter at best. Generated and adversarial rows go through the real normalisation (every route a
// client writes through, the NATS consumer) or straight to the validator (a value of every column type
// of every table the data path writes), and what is accepted is inserted into the real engine with the
// real schema, in small batches; a batch refused is inserted row by row to name the row. Every refusal is
// reported with what the data path makes of it (store/errors.ts). SEED=<n> replays a run, RUNS=<n> runs
// longer.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, buildCatalog, type Column } from '../schema/index.ts';
import { EmbeddedStore, type InsertErrorKind, insertErrorKind, type Row } from '../store/index.ts';
import { buildApp } from './app.ts';
import { newApiKey } from './auth/api-keys.ts';
import { compileValidators } from './datapath/validate.ts';
import { isIngestError } from './errors.ts';
import { type Alias, type ConsumerOptions, rowFor } from './nats/consumer.ts';
import { createHasher } from './privacy/hash.ts';
import { event, key, leaf, tableRow, value } from './testing/arbitraries.ts';
import { createDataPathDouble, type DataPathDouble } from './testing/datapath-double.ts';
import { TEST_OID, testDeps } from './testing/deps.ts';
import { edgeValues, FLAG_VALUES } from './testing/edge-values.ts';

const SEED = Number(process.env.SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.RUNS ?? 15);
/** Rows per insert: small, so a refusal is found by inserting a few rows one at a time. */
const BATCH = 10;

const catalog = buildCatalog();
const validators = compileValidators(catalog);
let store: EmbeddedStore;
beforeAll(async () => {
  store = await EmbeddedStore.open({ path: mkdtempSync(join(tmpdir(), 'agree-')), database: 'agree' });
  await applyMigrations(store, { database: 'agree', retention: { defaultDays: 90 } });
});
afterAll(() => store.close());

interface Refusal {
  readonly table: string;
  readonly row: string;
  /** What the data path does with it: `data` and `unknown` end as a dead letter, never a stall. */
  readonly kind: InsertErrorKind;
  readonly error: string;
}

let inserts = 0;
async function insert(table: string, lines: readonly Buffer[], refusals: Refusal[]): Promise<void> {
  try {
    await store.insertJsonLines(table, lines, { dedupToken: `agree-${inserts++}` });
  } catch (err) {
    if (lines.length > 1) {
      for (const line of lines) await insert(table, [line], refusals);
      return;
    }
    const row = (lines[0] as Buffer).toString('utf8').trim().slice(0, 600);
    refusals.push({ table, row, kind: insertErrorKind(err), error: (err as Error).message.slice(0, 300) });
  }
}

/** Validates each row alone (a refused one would be a 400), then stores the accepted ones. */
async function storeRows(
  table: string,
  rows: readonly Row[],
): Promise<{ accepted: number; refusals: Refusal[] }> {
  const validate = validators.get(table);
  if (validate === undefined) throw new Error(`no validator for ${table}`);
  const lines: Buffer[] = [];
  for (const row of rows) {
    try {
      lines.push(validate([row]));
    } catch (err) {
      if (!isIngestError(err, 'INVALID_EVENT')) throw err;
    }
  }
  const refusals: Refusal[] = [];
  for (let i = 0; i < lines.length; i += BATCH) await insert(table, lines.slice(i, i + BATCH), refusals);
  return { accepted: lines.length, refusals };
}

const options = (runs: number) => ({ seed: SEED, numRuns: runs * RUNS, endOnFailure: false });
const writable = [...catalog.values()].filter((t) => !t.derived).map((t) => t.name);

/**
 * Each column type once in every table a materialized view reads (the view computes on the row too), and
 * once in some other table.
 */
async function representatives(): Promise<{ table: string; column: Column }[]> {
  const viewed = await store.query<{ name: string }>(
    "SELECT name FROM system.tables WHERE database = 'agree' AND notEmpty(dependencies_table)",
  );
  const seen = new Set<string>();
  const picked: { table: string; column: Column }[] = [];
  for (const table of writable) {
    const own = viewed.some((v) => v.name === table);
    for (const column of catalog.get(table)?.columns ?? []) {
      const type = column.flag ? `flag ${column.type}` : column.type;
      const id = own ? `${table} ${type}` : type;
      if (seen.has(id)) continue;
      seen.add(id);
      picked.push({ table, column });
    }
  }
  return picked;
}

describe('the edge values of every column type', () => {
  it('what validation accepts of them is stored', async () => {
    const refusals: Refusal[] = [];
    const picked = await representatives();
    for (const { table, column } of picked) {
      const values = column.flag ? FLAG_VALUES : edgeValues(column.type);
      const stored = await storeRows(
        table,
        values.map((v) => ({ [column.name]: v })),
      );
      refusals.push(...stored.refusals);
      expect(stored.accepted, `${table}.${column.name}: no edge value accepted`).toBeGreaterThan(0);
    }
    expect(picked.length).toBeGreaterThan(20);
    expect(refusals).toEqual([]);
  });
});

describe(`what validation accepts, the engine stores (SEED=${SEED})`, () => {
  it.each(writable)('%s: generated and adversarial values for every column', async (table) => {
    const columns = catalog.get(table)?.columns ?? [];
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(tableRow(columns), { minLength: 1, maxLength: 25 }), async (rows) => {
        const stored = await storeRows(table, rows);
        accepted += stored.accepted;
        expect(stored.refusals).toEqual([]);
      }),
      options(2),
    );
    expect(accepted).toBeGreaterThan(0); // the generator is not refused whole
  });
});

describe(`what the routes acknowledge, the engine stores (SEED=${SEED})`, () => {
  let app: FastifyInstance;
  let dp: DataPathDouble;
  let authorization = '';
  beforeAll(async () => {
    const k = await newApiKey(TEST_OID, 'acme');
    authorization = `Bearer ${k.key}`;
    // validating as the real data path does: a row it refuses is answered 400, never acknowledged
    dp = createDataPathDouble({ validators });
    const config = { rateLimits: { burst: 0, perIpPerDay: 0 } };
    app = await buildApp(await testDeps(dp, config, { keys: [k.entry] }));
  });
  afterAll(() => app.close());

  const anything = fc.oneof(leaf, value);
  const payment = fc.record(
    {
      revenue: fc.oneof(fc.double(), leaf),
      currency: fc.constantFrom('usd', 'EUR', 'x'),
      line: fc.dictionary(
        fc.constantFrom('uid', 'oid', 'orid', 'invid', 'vid', 'org', 'product', 'qty', 'price', 'tax'),
        anything,
      ),
      times: fc.dictionary(fc.constantFrom('invoiced_at', 'starts', 'ends', 'paid_at', 'duration'), leaf),
    },
    { requiredKeys: ['revenue'] },
  );
  const requests = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.tuple(fc.constantFrom('/tr/v1/str/', '/tr/v1/tr/'), fc.array(event, { maxLength: 20 })),
    },
    {
      weight: 2,
      arbitrary: fc
        .array(payment, { minLength: 1, maxLength: 5 })
        .map((lines) => [
          '/tr/v1/ltv/',
          { payments: lines.map(({ line, times, ...p }) => ({ ...line, ...times, ...p })) },
        ]),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.oneof(
            fc.nat(),
            fc.constantFrom(2 ** 62, 2 ** 53 + 1),
            fc.bigInt({ min: 0n, max: 10n ** 18n - 1n }).map(String),
          ),
          fc.dictionary(key, anything, { maxKeys: 8 }),
          fc.option(fc.dictionary(key, value, { maxKeys: 4 })),
        )
        .map(([cflags, body, compliances]) => ['/tr/v1/ppi/agree', { ...body, cflags, compliances }]),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.webSegment(), fc.oneof(fc.webUrl({ withQueryParameters: true }), leaf))
        .map(([slug, urlto]) => ['/tr/v1/rpi/redirect', { urlfrom: `go.example/${slug}x`, urlto }]),
    },
  ) as fc.Arbitrary<[string, unknown]>;

  it('events (and their messaging rows), payments, ltv, agreed and short links from generated requests', async () => {
    let acknowledged = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(requests, { minLength: 1, maxLength: 4 }), async (sent) => {
        dp.rows.clear();
        for (const [url, payload] of sent) {
          const res = await app.inject({
            method: 'POST',
            url,
            payload: payload as object,
            headers: { authorization, cookie: 'CookieConsent=3', 'user-agent': 'Mozilla/5.0 Test' },
          });
          expect(res.statusCode, `${url} → ${res.body.slice(0, 300)}`).toBeLessThan(500);
        }
        const refusals: Refusal[] = [];
        for (const [table, rows] of dp.rows) {
          // what a route appended passed the data path's validation (the double's): the engine must take it
          const stored = await storeRows(table, rows);
          acknowledged += rows.length;
          refusals.push(...stored.refusals);
        }
        expect(refusals).toEqual([]);
      }),
      options(3),
    );
    expect(acknowledged).toBeGreaterThan(0);
  });

  it('logs, counters and updates from generated NATS messages', async () => {
    const consumer = {
      ipMode: 'truncate',
      hasher: createHasher(Buffer.alloc(32, 3)),
    } as unknown as ConsumerOptions;
    const field = fc.constantFrom(
      'id',
      'ip',
      'topic',
      'name',
      'host',
      'level',
      'msg',
      'params',
      'ltimenss',
      'updated',
    );
    const digits = fc.bigInt({ min: 0n, max: 10n ** 20n - 1n }).map(String);
    const message = fc.tuple(
      fc.constantFrom<Alias>('log', 'count', 'update'),
      fc.dictionary(field, fc.oneof(anything, digits, fc.integer())),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 20 }), async (messages) => {
        const byTable = new Map<string, Row[]>();
        for (const [alias, sent] of messages) {
          // what the consumer reads is the message's JSON
          const body = JSON.parse(JSON.stringify(sent)) as Record<string, unknown>;
          const [table, row] = rowFor(alias, `nats.${alias}`, body, Date.now(), consumer);
          byTable.set(table, [...(byTable.get(table) ?? []), row]);
        }
        for (const [table, rows] of byTable) expect((await storeRows(table, rows)).refusals).toEqual([]);
      }),
      options(2),
    );
  });
});
