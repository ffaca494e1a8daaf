// Which tables a retention may name: those whose rows have an age (a TTL column). A retention entry for
// any other name (a misspelling, or a table kept until erased such as consent or accounts) would be
// ignored by the TTLs, the prune and the ingest alike, so each caller refuses it with this problem line.
import { buildCatalog, type Catalog } from './catalog.ts';
import type { Retention } from './render.ts';

let cached: readonly string[] | undefined;

/** The tables with an age column, sorted (the migrations' catalog, read once). */
export function agedTables(catalog?: Catalog): readonly string[] {
  if (catalog !== undefined) return namesWithAge(catalog);
  cached ??= namesWithAge(buildCatalog());
  return cached;
}

const namesWithAge = (catalog: Catalog): string[] =>
  [...catalog.values()]
    .filter((t) => t.ageColumn !== undefined)
    .map((t) => t.name)
    .sort();

/** One problem per `tables` entry of `retention` that names no table with an age; `key` is its path. */
export function retentionProblems(retention: Retention | undefined, key: string): string[] {
  const aged = agedTables();
  return Object.keys(retention?.tables ?? {})
    .filter((name) => !aged.includes(name))
    .map((name) => `${key}.tables.${name}: no table with an age (one of ${aged.join(', ')})`);
}

/** The retentions of a TrackerCluster's spec.schema (its own, and its prune job's). */
export function specRetentionProblems(schema: {
  readonly retention?: Retention;
  readonly prune?: { readonly retention?: Retention };
}): string[] {
  return [
    ...retentionProblems(schema.retention, 'spec.schema.retention'),
    ...retentionProblems(schema.prune?.retention, 'spec.schema.prune.retention'),
  ];
}
