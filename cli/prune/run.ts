// Runs a prune plan: counts the rows of every job in batches (one per partition holding matching rows, or
// one per `batchSize` visitors) and, with --apply, runs one mutation per batch, each waiting until it is
// done (on every replica of a cluster) before the next starts. A dry run only counts.
import {
  buildCatalog,
  type Catalog,
  deleteMutation,
  type MutationScope,
  type Rendering,
  readTarget,
  updateMutation,
  type VisitorIds,
} from '../../schema/index.ts';
import type { SqlRunner } from '../../store/index.ts';
import { readFacts } from './facts.ts';
import { type Job, planJobs } from './plan.ts';
import type { PruneRequest } from './request.ts';

export type Work = Exclude<Job, { skip: string }>;

export interface Batch {
  /** The partition id, or the visitors' range in the list. */
  readonly label: string;
  readonly rows: number;
  readonly sql: string;
  readonly params: Record<string, unknown>;
}

export interface TableReport {
  readonly table: string;
  readonly action: Work['action'] | 'skip';
  readonly note: string;
  /** Rows counted before changing anything (dry run: what --apply would change). */
  readonly rows: number;
  readonly batches: number;
  /** With --apply: the first batch that failed, and why; later batches of the table were not run. */
  readonly failed?: string;
}

export interface PruneReport {
  readonly request: PruneRequest;
  readonly rendering: Rendering;
  /** The server pruned, when it is one of several that each hold their own tables (store.hostUrls). */
  readonly host?: string;
  readonly tables: readonly TableReport[];
}

/** The statement of one batch of a job. */
export function jobStatement(job: Work, rendering: Rendering, scope: MutationScope = {}): string {
  return job.action === 'delete'
    ? deleteMutation(job.table, job.where, rendering, scope)
    : updateMutation(job.table, job.assignments ?? '', job.where, rendering, scope);
}

/** Age mode: the job's rows per partition (through the Distributed table on a cluster: every shard). */
export const partitionCountSql = (job: Work, rendering: Rendering): string =>
  `SELECT ${job.partitionId ?? "'all'"} AS partition, count() AS n FROM ${readTarget(job.table, rendering)} WHERE ${job.where} GROUP BY partition ORDER BY partition`;

/** Visitor mode: the job's rows for one chunk of ids. */
export const countSql = (job: Work, rendering: Rendering): string =>
  `SELECT count() AS n FROM ${readTarget(job.table, rendering)} WHERE ${job.where}`;

async function partitionBatches(sql: SqlRunner, job: Work, rendering: Rendering): Promise<Batch[]> {
  const counts = await sql.query<{ partition: string; n: number | string }>(
    partitionCountSql(job, rendering),
  );
  return counts.map((c) => ({
    label: c.partition,
    rows: Number(c.n),
    sql: jobStatement(job, rendering, { partition: c.partition }),
    params: {},
  }));
}

/** The listed ids in groups of `size`; every group names both lists (empty ones too) for the predicate. */
export function visitorChunks(
  ids: VisitorIds,
  size: number,
): { label: string; params: Record<string, unknown> }[] {
  const all = [...(ids.vids ?? []).map((id) => ['vids', id]), ...(ids.uids ?? []).map((id) => ['uids', id])];
  const chunks = [];
  for (let i = 0; i < all.length; i += size) {
    const part = all.slice(i, i + size);
    const params = {
      vids: part.filter(([k]) => k === 'vids').map(([, id]) => id),
      uids: part.filter(([k]) => k === 'uids').map(([, id]) => id),
    };
    chunks.push({ label: `ids ${i + 1}-${i + part.length}`, params });
  }
  return chunks;
}

async function visitorBatches(sql: SqlRunner, job: Work, request: PruneRequest, rendering: Rendering) {
  const batches: Batch[] = [];
  for (const chunk of visitorChunks(request.visitors ?? {}, request.batchSize)) {
    const [row] = await sql.query<{ n: number | string }>(countSql(job, rendering), chunk.params);
    const rows = Number(row?.n ?? 0);
    if (rows > 0)
      batches.push({ label: chunk.label, rows, sql: jobStatement(job, rendering), params: chunk.params });
  }
  return batches;
}

async function runJob(sql: SqlRunner, job: Job, request: PruneRequest, rendering: Rendering) {
  if ('skip' in job)
    return { table: job.table, action: 'skip', note: job.skip, rows: 0, batches: 0 } as const;
  const batches =
    job.partitionId === undefined
      ? await visitorBatches(sql, job, request, rendering)
      : await partitionBatches(sql, job, rendering);
  const report = {
    table: job.table,
    action: job.action,
    note: job.note,
    rows: batches.reduce((n, b) => n + b.rows, 0),
    batches: batches.length,
  };
  if (!request.apply) return report;
  for (const batch of batches) {
    try {
      await sql.command(batch.sql, batch.params);
    } catch (err) {
      return { ...report, failed: `${batch.label}: ${(err as Error).message.split('\n')[0]}` };
    }
  }
  return report;
}

/** Plans from the database's own facts, then counts (and with apply, changes) table by table. */
export async function runPrune(
  sql: SqlRunner,
  rendering: Rendering,
  request: PruneRequest,
  catalog: Catalog = buildCatalog(),
): Promise<PruneReport> {
  const facts = await readFacts(sql, [...catalog.keys()], rendering);
  const tables: TableReport[] = [];
  for (const job of planJobs(catalog, facts, request))
    tables.push(await runJob(sql, job, request, rendering));
  return { request, rendering, tables };
}
