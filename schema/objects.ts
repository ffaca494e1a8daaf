// The objects the migrations leave in the database once a version is applied, by their stored names, in an
// order they can be created in. Derived from the markers alone (no SQL is parsed): `{{table X}}`,
// `{{everywhere X}}`, `{{object X}}` create, `{{drop X}}` removes, `{{alter X}}` changes columns only, and
// `ALTER TABLE {{object X}} MODIFY QUERY` changes a view's query only (`DROP VIEW IF EXISTS {{object X}}`
// removes it). The operator compares this list with each host's system.tables, because a host's migration
// record alone does not prove it holds the tables: on a cluster that record is replicated, so a host added
// later reads the cluster's record before anything was created on it (ADR 0023).
import { type Migration, type RenderOptions, splitStatements } from './render.ts';

export type ObjectKind =
  /** A table holding rows: a MergeTree-family table (on a cluster the Replicated X_local, or an `everywhere` table). */
  | 'storage'
  /** The Distributed table X over X_local (cluster rendering only). */
  | 'distributed'
  /** A materialized view. */
  | 'view'
  /** schema_migrations, which the runner creates before the first migration. */
  | 'migrations';

export interface SchemaObject {
  readonly name: string;
  readonly kind: ObjectKind;
  /** The tables a view selects from (`{{ref X}}` other than its target): inserts into them run the view. */
  readonly reads: readonly string[];
  /** Every table a view's statement names (its target and `{{db}}.X` subqueries included): created before it. */
  readonly needs: readonly string[];
}

const MARKER = /\{\{(table|everywhere|object|drop) (\w+)\}\}/;
const VIEW = /^\s*CREATE\s+(MATERIALIZED\s+)?VIEW\b/i;
/** `ALTER TABLE {{object X}} MODIFY QUERY`: the view stays, reading the same tables. */
const ALTER = /^\s*ALTER\s+TABLE\s+\{\{object \w+\}\}\s+MODIFY\s+QUERY\b/i;
/** `DROP VIEW IF EXISTS {{object X}}`: the view is gone. */
const DROP_VIEW = /^\s*DROP\s+VIEW\s+IF\s+EXISTS\s+\{\{object \w+\}\}/i;
const TARGET = /\bTO\s+\{\{ref (\w+)\}\}/;
const REF = /\{\{ref (\w+)\}\}|\{\{db\}\}\.`?(\w+)`?/g;
const COMMENT_LINE = /^\s*--.*$/gm;

/** The stored name of data table X's storage: X_local on a cluster, X on a single node. */
const storageOf = (table: string, opts: Pick<RenderOptions, 'cluster'>): string =>
  opts.cluster ? `${table}_local` : table;

/**
 * The objects migrations 1..upTo leave, in creation order (version 0: nothing, not even schema_migrations).
 * An object dropped and created again takes the place of its last creation.
 */
export function schemaObjects(
  migrations: readonly Migration[],
  opts: Pick<RenderOptions, 'cluster'>,
  upTo: number,
): SchemaObject[] {
  if (upTo <= 0) return [];
  const objects = new Map<string, SchemaObject>();
  const add = (o: SchemaObject) => {
    objects.delete(o.name);
    objects.set(o.name, o);
  };
  add({ name: 'schema_migrations', kind: 'migrations', reads: [], needs: [] });
  const statements = migrations
    .filter((m) => m.version <= upTo)
    .flatMap((m) => splitStatements(m.source))
    .map((s) => s.replace(COMMENT_LINE, ''));
  for (const statement of statements) {
    const [, marker, name] = MARKER.exec(statement) ?? [];
    if (marker === undefined || name === undefined) continue;
    if (marker === 'drop') {
      objects.delete(name);
      objects.delete(storageOf(name, opts));
    } else if (marker === 'everywhere') {
      add({ name, kind: 'storage', reads: [], needs: [] });
    } else if (marker === 'table') {
      add({ name: storageOf(name, opts), kind: 'storage', reads: [], needs: [] });
      if (opts.cluster) add({ name, kind: 'distributed', reads: [], needs: [] });
    } else if (DROP_VIEW.test(statement)) {
      objects.delete(name);
    } else if (!ALTER.test(statement)) {
      add(view(name, statement, opts));
    }
  }
  return [...objects.values()];
}

function view(name: string, statement: string, opts: Pick<RenderOptions, 'cluster'>): SchemaObject {
  if (!VIEW.test(statement)) {
    throw new Error(`schema objects: {{object ${name}}} must be a view`);
  }
  const target = TARGET.exec(statement)?.[1];
  const needs = new Set<string>();
  const reads = new Set<string>();
  for (const [, ref, db] of statement.matchAll(REF)) {
    const stored = ref !== undefined ? storageOf(ref, opts) : (db as string);
    needs.add(stored);
    // A table read in a subquery (`{{db}}.X`) is needed but does not run the view.
    if (ref !== undefined && ref !== target) reads.add(stored);
  }
  return { name, kind: 'view', reads: [...reads], needs: [...needs] };
}

/**
 * The order to create `objects` in on a host that has none of them, chosen so that no row is stored
 * without its views counting it: tables no view reads first; then each table a view reads, followed at once
 * by the views it completes; then the Distributed tables (a host takes inserts through them only when
 * everything behind them exists); schema_migrations last, so a host records a version only once it holds
 * the tables. A view still waits for every table it names. Ties keep the order of the migrations.
 */
export function creationOrder(objects: readonly SchemaObject[]): SchemaObject[] {
  const read = new Set(objects.flatMap((o) => o.reads));
  const tables = objects.filter((o) => o.kind === 'storage');
  const ordered: SchemaObject[] = [];
  const created = new Set<string>();
  let views = objects.filter((o) => o.kind === 'view');
  const create = (o: SchemaObject) => {
    ordered.push(o);
    created.add(o.name);
    const ready = views.filter((v) => v.needs.every((n) => created.has(n)));
    views = views.filter((v) => !ready.includes(v));
    for (const v of ready) create(v);
  };
  for (const t of tables.filter((t) => !read.has(t.name))) create(t);
  for (const t of tables.filter((t) => read.has(t.name))) create(t);
  if (views.length > 0) {
    const [v] = views;
    throw new Error(
      `schema objects: view ${v?.name} needs ${v?.needs.filter((n) => !created.has(n)).join(', ')}`,
    );
  }
  return [
    ...ordered,
    ...objects.filter((o) => o.kind === 'distributed'),
    ...objects.filter((o) => o.kind === 'migrations'),
  ];
}
