import { describe, expect, it } from 'vitest';
import type { SchemaObject } from '../schema/index.ts';
import type { Replica } from './clickhouse.ts';
import { CopyError, type HostSchema, planCopies } from './host-schema.ts';

const replica = (shard: number, r: number): Replica => ({
  shard,
  replica: r,
  host: `h-${shard}-${r}`,
  url: `http://h-${shard}-${r}`,
});
const object = (name: string): SchemaObject => ({ name, kind: 'storage', reads: [], needs: [] });
/** Version 1 leaves two tables, version 2 a third. */
const expected = (version: number): SchemaObject[] =>
  version === 0
    ? []
    : ['schema_migrations', 'a_local', 'a', ...(version >= 2 ? ['b_local'] : [])].map(object);
const host = (version: number, tables: string[]): HostSchema => ({
  version,
  tables: new Set(tables),
  stored: [],
});
const full = (version: number) =>
  host(
    version,
    expected(version).map((o) => o.name),
  );

const [h00, h01, h10] = [replica(0, 0), replica(0, 1), replica(1, 0)] as const;
const plan = (states: [Replica, HostSchema][], sharedRecord = true) =>
  planCopies({
    replicas: states.map(([r]) => r),
    states: new Map(states.map(([r, s]) => [r.host, s])),
    expected,
    sharedRecord,
  }).map((c) => ({ host: c.host.host, from: c.from.host, version: c.version, missing: c.missing }));

describe('planCopies', () => {
  it('copies nothing while every host holds what the record says, and on a fresh cluster', () => {
    expect(
      plan([
        [h00, full(2)],
        [h01, full(2)],
      ]),
    ).toEqual([]);
    expect(
      plan([
        [h00, host(0, [])],
        [h01, host(0, [])],
      ]),
    ).toEqual([]);
  });

  it('copies every table to a new replica whose record came with the replicated table', () => {
    expect(
      plan([
        [h00, full(2)],
        [h01, host(2, ['schema_migrations'])],
      ]),
    ).toEqual([{ host: 'h-0-1', from: 'h-0-0', version: 2, missing: ['a_local', 'a', 'b_local'] }]);
  });

  it('copies every table to a new shard that has no database yet, at the cluster record', () => {
    expect(
      plan([
        [h00, full(2)],
        [h01, full(2)],
        [h10, host(0, [])],
      ]),
    ).toEqual([
      { host: 'h-1-0', from: 'h-0-0', version: 2, missing: ['schema_migrations', 'a_local', 'a', 'b_local'] },
    ]);
  });

  it('copies what the recorded version holds, not what pending migrations will add', () => {
    expect(
      plan([
        [h00, full(1)],
        [h10, host(0, [])],
      ]),
    ).toEqual([{ host: 'h-1-0', from: 'h-0-0', version: 1, missing: ['schema_migrations', 'a_local', 'a'] }]);
  });

  it('takes the definitions from the first host that holds them all', () => {
    const copies = plan([
      [h00, host(2, ['schema_migrations'])],
      [h01, full(2)],
      [h10, full(2)],
    ]);
    expect(copies.map((c) => c.from)).toEqual(['h-0-1']);
  });

  it('refuses when no host holds every table the record says, with the error the schema step reports as TableCopyFailed', () => {
    const refused = () =>
      plan([
        [h00, host(2, ['schema_migrations', 'a_local'])],
        [h01, host(2, ['schema_migrations'])],
      ]);
    expect(refused).toThrow(
      /copy tables to h-0-0: no host holds every table of schema version 2 \(missing here: a, b_local\)/,
    );
    expect(refused).toThrow(CopyError);
  });

  it('per-replica: a host is held to its own record; a new host runs the migrations instead', () => {
    expect(
      plan(
        [
          [h00, full(2)],
          [h01, host(0, [])],
        ],
        false,
      ),
    ).toEqual([]);
    expect(
      plan(
        [
          [h00, full(2)],
          [h01, host(2, ['schema_migrations', 'a_local', 'a'])],
        ],
        false,
      ),
    ).toEqual([{ host: 'h-0-1', from: 'h-0-0', version: 2, missing: ['b_local'] }]);
  });
});
