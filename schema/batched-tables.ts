// Which tables a batching override (batching.tables.<name>) may name: those the data path writes. Derived
// rollups are filled by materialized views and never batched by the ingest. An override for any other name
// (a misspelling) would never be used, so the ingest refuses to start on it, and the operator refuses the
// spec before rolling out pods that would not start.
import { buildCatalog } from './catalog.ts';

let cached: readonly string[] | undefined;

/** The tables the data path writes, sorted (the migrations' catalog, read once). */
export function batchedTables(): readonly string[] {
  cached ??= [...buildCatalog().values()]
    .filter((t) => !t.derived)
    .map((t) => t.name)
    .sort();
  return cached;
}

/** One problem per override in `tables` that names no table the data path writes; `key` is its path. */
export function batchingProblems(
  tables: Readonly<Record<string, unknown>> | undefined,
  key: string,
): string[] {
  const known = batchedTables();
  return Object.keys(tables ?? {})
    .filter((name) => !known.includes(name))
    .map((name) => `${key}.tables.${name}: no such table (one of ${known.join(', ')})`);
}
