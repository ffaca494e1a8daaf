// Bringing one host up to the schema the others hold: the statements that create, on that host only, the
// objects it lacks, each from its definition on a host that has it (system.tables.create_table_query).
// A definition read from a healthy host is the table as it is now, every ALTER included, with the TTL and
// engine arguments it was created with, and with the `{shard}`/`{replica}` macros unexpanded: run on the
// new host it joins the same Keeper path as its shard's replicas (and fetches their parts), or creates the
// path of a new shard. Replaying the migrations instead would create an old column list that ClickHouse
// refuses next to replicas that were altered since (ADR 0023).

import { creationOrder, type SchemaObject } from './objects.ts';
import { createDatabase } from './render.ts';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The statements creating the objects of `expected` that are not in `present`, in creation order, each
 * `IF NOT EXISTS` (a run cut short can run again), after the database itself. Nothing when none is missing.
 * `definitions` maps a stored name to its create_table_query on the source host.
 */
export function copyStatements(
  database: string,
  expected: readonly SchemaObject[],
  present: ReadonlySet<string>,
  definitions: ReadonlyMap<string, string>,
): string[] {
  const missing = creationOrder(expected).filter((o) => !present.has(o.name));
  if (missing.length === 0) return [];
  return [
    createDatabase({ database }),
    ...missing.map((o) => {
      const definition = definitions.get(o.name);
      if (definition === undefined) throw new Error(`copy ${o.name}: the source host has no such table`);
      return ifNotExists(definition, database, o.name);
    }),
  ];
}

/**
 * `CREATE TABLE db.x …` → `CREATE TABLE IF NOT EXISTS db.x …` (also for views). Refuses a definition that
 * does not create exactly `database`.`name`: it is run as it stands on another host.
 */
export function ifNotExists(definition: string, database: string, name: string): string {
  for (const id of [database, name]) {
    if (!IDENTIFIER.test(id)) throw new Error(`copy ${name}: invalid name ${id}`);
  }
  const quoted = (id: string) => `(?:${id}|\`${id}\`)`;
  const head = new RegExp(
    `^CREATE (TABLE|MATERIALIZED VIEW|VIEW) (?:IF NOT EXISTS )?(${quoted(database)}\\.${quoted(name)})(?=[\\s(])`,
  );
  const match = head.exec(definition.trimStart());
  if (!match)
    throw new Error(`copy ${name}: not a definition of ${database}.${name}: ${definition.slice(0, 80)}`);
  return definition.trimStart().replace(head, `CREATE ${match[1]} IF NOT EXISTS ${match[2]}`);
}
