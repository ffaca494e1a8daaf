// FAULT INJECTION (a fake in front of the real ClickHouse-HTTP test doubles): a replica that refuses to
// change one table's TTL or to insert into it (rollup_settings: the rollup rules), as ClickHouse does when
// the replica is busy or the statement times out. chdb runs every statement it is given, so the refusal is
// played here; every other statement reaches the double.
import type { SqlRunner } from '../../store/index.ts';
import type { ClickHouseAccess } from '../clickhouse.ts';

export interface BusyTtl {
  readonly access: ClickHouseAccess;
  /** From now on `host` refuses a TTL change of, or an insert into, `table` (its name, e.g. `logs`). */
  refuse(host: string, table: string): void;
  /** Every host takes every statement again. */
  heal(): void;
}

const isTtlChange = (statement: string, table: string) =>
  new RegExp(`^\\s*ALTER\\s+TABLE\\s+\\S*\\b${table}(_local)?\\b.*\\b(MODIFY|REMOVE)\\s+TTL\\b`, 'is').test(
    statement,
  );
const isInsert = (statement: string, table: string) =>
  new RegExp(`^\\s*INSERT\\s+INTO\\s+\\S*\\b${table}\\b`, 'is').test(statement);

export function busyTtl(real: ClickHouseAccess): BusyTtl {
  let refused: { host: string; table: string } | undefined;
  const wrap = (host: string, sql: SqlRunner): SqlRunner => ({
    query: <T>(q: string, params?: Record<string, unknown>) => sql.query<T>(q, params),
    command: async (...args: Parameters<SqlRunner['command']>) => {
      const statement = args[0];
      if (
        refused?.host === host &&
        (isTtlChange(statement, refused.table) || isInsert(statement, refused.table))
      ) {
        throw new Error(
          `Code: 236. DB::Exception: ${refused.table}: replica busy, try again later (ABORTED)`,
        );
      }
      return sql.command(...args);
    },
  });
  return {
    access: {
      schemaMode: real.schemaMode,
      replicas: (tc, shards) => real.replicas(tc, shards),
      use: (replica, password, fn) => real.use(replica, password, (sql) => fn(wrap(replica.host, sql))),
      close: () => real.close(),
    },
    refuse: (host, table) => {
      refused = { host, table };
    },
    heal: () => {
      refused = undefined;
    },
  };
}
