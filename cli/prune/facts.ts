// What `tracker prune` reads before planning: each table's partition expression and key columns, from the
// database itself (on a cluster, from the `X_local` storage on the server it is connected to; every node
// holds the same schema). Reading them rather than parsing the migrations means the plan follows whatever
// the database really is.
import { type Rendering, storageName } from '../../schema/index.ts';
import type { SqlRunner } from '../../store/index.ts';
import type { TableFacts } from './plan.ts';

export async function readFacts(
  sql: SqlRunner,
  tables: readonly string[],
  rendering: Rendering,
): Promise<Map<string, TableFacts>> {
  const params = { db: rendering.database };
  const found = await sql.query<{ name: string; partition_key: string }>(
    'SELECT name, partition_key FROM system.tables WHERE database = {db:String}',
    params,
  );
  const keys = await sql.query<{ table: string; name: string }>(
    `SELECT table, name FROM system.columns WHERE database = {db:String}
       AND (is_in_sorting_key OR is_in_primary_key OR is_in_partition_key)`,
    params,
  );
  const byStorage = new Map(found.map((t) => [t.name, t.partition_key]));
  const facts = new Map<string, TableFacts>();
  for (const table of tables) {
    const storage = storageName(table, rendering);
    const partitionKey = byStorage.get(storage);
    if (partitionKey === undefined) continue;
    const keyColumns = new Set(keys.filter((k) => k.table === storage).map((k) => k.name));
    facts.set(table, { partitionKey, keyColumns });
  }
  return facts;
}
