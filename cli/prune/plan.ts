// What `tracker prune` does to each table, decided from the schema catalog, the request and what the
// database says about each table's key (pure: no I/O, so both renderings are tested without a cluster).
import {
  anonymisation,
  type Catalog,
  retentionDays,
  type TableInfo,
  type VisitorIds,
  visitorPredicate,
} from '../../schema/index.ts';
import type { PruneRequest } from './request.ts';

/** What the database says about a table's storage (system.tables / system.columns). */
export interface TableFacts {
  /** The partition expression, '' when the table has none (one partition, `all`). */
  readonly partitionKey: string;
  /** Columns of its sorting, primary or partition key: ClickHouse cannot UPDATE them. */
  readonly keyColumns: ReadonlySet<string>;
}

export type Action = 'delete' | 'anonymise';

export type Job =
  | { readonly table: string; readonly skip: string }
  | {
      readonly table: string;
      readonly action: Action;
      /** The rows this job changes. */
      readonly where: string;
      /** For anonymise: the column assignments. */
      readonly assignments?: string;
      /** Age mode: one batch per partition with matching rows (this expression names them). */
      readonly partitionId?: string;
      /** Why this table is pruned as it is (shown in the report). */
      readonly note: string;
    };

const pad = (n: number) => String(n).padStart(2, '0');

/** A DateTime64 literal (UTC, milliseconds) for `days` before `now`: one cutoff for the whole run. */
export function cutoffLiteral(now: Date, days: number): { sql: string; text: string } {
  const d = new Date(now.getTime() - days * 86_400_000);
  const text = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}`;
  return { sql: `toDateTime64('${text}', 3, 'UTC')`, text };
}

/** The partition id of a row, from the partition expression (the same id system.parts and ALTER use). */
export const partitionIdOf = (facts: TableFacts): string =>
  facts.partitionKey === '' ? "'all'" : `partitionID(${facts.partitionKey})`;

/** Delete, or anonymise (falling back to delete where a personal column is part of the key). */
function shape(info: TableInfo, facts: TableFacts, request: PruneRequest, rows: string, why: string): Job {
  const table = info.name;
  if (request.mode === 'delete') return { table, action: 'delete', where: rows, note: why };
  const a = anonymisation(info, facts.keyColumns);
  if (a.kind === 'none') return { table, skip: 'nothing personal to anonymise' };
  if (a.kind === 'delete') {
    const note = `${why}; deleted: ${a.keyColumn} is part of its key, a row per person`;
    return { table, action: 'delete', where: rows, note };
  }
  return {
    table,
    action: 'anonymise',
    where: `${rows} AND ${a.pending}`,
    assignments: a.assignments,
    note: why,
  };
}

function ageJob(info: TableInfo, facts: TableFacts, request: PruneRequest): Job {
  if (info.ageColumn === undefined) return { table: info.name, skip: 'no age column: kept until erased' };
  const days = retentionDays(info.name, request.retention);
  if (days === 0) return { table: info.name, skip: 'retention 0: kept forever' };
  const cutoff = cutoffLiteral(request.now, days);
  const why = `${info.ageColumn} before ${cutoff.text} (${days} days)`;
  const job = shape(info, facts, request, `${info.ageColumn} < ${cutoff.sql}`, why);
  return 'skip' in job ? job : { ...job, partitionId: partitionIdOf(facts) };
}

/** What a list of ids names, in the words of its flags: --users lists users, not visitors. */
export function listedRows(ids: VisitorIds): string {
  const vids = (ids.vids?.length ?? 0) > 0;
  const uids = (ids.uids?.length ?? 0) > 0;
  return `rows of the listed ${vids && uids ? 'visitors and users' : uids ? 'users' : 'visitors'}`;
}

function visitorJob(info: TableInfo, facts: TableFacts, request: PruneRequest): Job {
  const ids = request.visitors ?? {};
  const rows = visitorPredicate(info, ids);
  if (rows === undefined) return { table: info.name, skip: 'holds none of the listed ids' };
  return shape(info, facts, request, rows, listedRows(ids));
}

/** One job per table of the catalog, in catalog order; tables the database lacks are skipped. */
export function planJobs(
  catalog: Catalog,
  facts: ReadonlyMap<string, TableFacts>,
  request: PruneRequest,
): Job[] {
  return [...catalog.values()].map((info) => {
    const f = facts.get(info.name);
    if (f === undefined) return { table: info.name, skip: 'not in the database' };
    return request.visitors === undefined ? ageJob(info, f, request) : visitorJob(info, f, request);
  });
}
