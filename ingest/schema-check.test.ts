// The remedy the ingest names for a clickhouse store whose schema is missing or behind, in its start line
// and in /status.schema.remedy, follows who applies that schema (store.schemaOwner). Under the operator it
// named `tracker migrate`, which is not how a TrackerCluster's schema is applied: the operator's schema
// gate is (an ingest image newer than the operator's migrations waits there, SchemaReady says so).
import { describe, expect, it } from 'vitest';
import type { SqlRunner } from '../store/index.ts';
import { parseConfig } from './config.ts';
import { schemaLine, schemaStatus, watchSchema } from './schema-check.ts';

const behind = { version: 3, latest: 7 };
// never asked: the remedy is known from the configuration, before the store is read
const unread = {} as SqlRunner;

const watchFor = (schemaOwner?: string) =>
  watchSchema(
    parseConfig({
      store: { kind: 'clickhouse', url: 'http://127.0.0.1:1', ...(schemaOwner ? { schemaOwner } : {}) },
    }),
    unread,
  );

describe('the remedy for a schema missing or behind', () => {
  it.each([
    ['absent', undefined],
    ['migrate', 'migrate'],
  ])('store.schemaOwner %s: run tracker migrate (or the schema Job without the operator)', (_name, owner) => {
    const remedy = watchFor(owner)?.remedy ?? '';
    expect(remedy).toMatch(
      /^run `tracker migrate` with this configuration .*tracker render --with-schema-job/,
    );
    expect(schemaStatus(behind, remedy)).toEqual({ ...behind, current: false, remedy });
    expect(schemaLine(behind, 'tracker', remedy)).toBe(
      `store: the schema of database tracker is at version 3, this ingest needs 7: inserts fail until it is applied, and events stay in the spool meanwhile (nothing is lost); ${remedy}`,
    );
  });

  it('store.schemaOwner operator: the operator’s SchemaReady condition, never tracker migrate', () => {
    const remedy = watchFor('operator')?.remedy ?? '';
    expect(remedy).toBe(
      "the Tracker operator applies this schema: see its SchemaReady condition (`kubectl get tc -o wide`, `kubectl describe tc`); when spec.ingest.image is newer than the operator's migrations, upgrade the operator",
    );
    expect(schemaStatus(behind, remedy).remedy).toBe(remedy);
    expect(schemaLine({ version: 0, latest: 7 }, 'analytics', remedy)).toMatch(
      /^store: database analytics has no tracker schema .*; the Tracker operator applies this schema: /,
    );
  });

  it('refuses an owner it does not know, naming the key', () => {
    expect(() => watchFor('helm')).toThrow(/store\.schemaOwner/);
  });
});

// Scrapes and /status ask while the store is slow to answer: each ask used to start a read of its own.
describe('the schema watch', () => {
  it('reads once for the asks made while a read is under way', async () => {
    let queries = 0;
    let answer: (rows: unknown[]) => void = () => {};
    const slow = {
      query: () => {
        queries++;
        return new Promise<unknown[]>((resolve) => {
          answer = resolve;
        });
      },
    } as unknown as SqlRunner;
    const watch = watchSchema(
      parseConfig({ store: { kind: 'clickhouse', url: 'http://127.0.0.1:1' } }),
      slow,
    );
    const asks = [watch?.status(), watch?.status(), watch?.status()];
    expect(queries).toBe(1);
    answer([{ n: 0 }]); // no schema_migrations table: version 0, no second query
    const [first] = await Promise.all(asks);
    expect(first).toMatchObject({ version: 0, current: false });
  });
});
