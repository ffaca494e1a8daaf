// The text `tracker prune` prints: one line per table (what it does, how many rows, in how many batches,
// why), then what happened or, for a dry run, what --apply would do.
import { listedRows } from './plan.ts';
import type { PruneReport, TableReport } from './run.ts';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const batchCount = (n: number) => `${n} ${n === 1 ? 'batch' : 'batches'}`;

function line(t: TableReport, widths: { table: number }): string {
  const rows = t.action === 'skip' ? '-' : String(t.rows);
  const batches = t.action === 'skip' ? '' : batchCount(t.batches);
  const failed = t.failed === undefined ? '' : `  FAILED ${t.failed}`;
  return `${t.table.padEnd(widths.table)}  ${t.action.padEnd(9)}  ${rows.padStart(10)}  ${batches.padEnd(11)}  ${t.note}${failed}`;
}

export function formatReport(report: PruneReport): string {
  const { request, rendering, tables, host } = report;
  const where = rendering.cluster ? `cluster ${rendering.cluster}, ` : host ? `host ${host}, ` : '';
  const what =
    request.visitors === undefined ? 'rows older than their retention' : listedRows(request.visitors);
  const head = `tracker prune (${where}database ${rendering.database}): ${request.mode} ${what}${request.apply ? '' : ' (dry run)'}`;
  const width = Math.max(5, ...tables.map((t) => t.table.length));
  const header = `${'table'.padEnd(width)}  ${'action'.padEnd(9)}  ${'rows'.padStart(10)}  ${'batches'.padEnd(11)}  note`;
  const worked = tables.filter((t) => t.action !== 'skip');
  const rows = worked.reduce((n, t) => n + t.rows, 0);
  const batches = worked.reduce((n, t) => n + t.batches, 0);
  const failed = worked.filter((t) => t.failed !== undefined);
  const verb = request.mode === 'delete' ? 'delete' : 'anonymise';
  const summary = !request.apply
    ? `Dry run: nothing was changed. With --apply: ${verb} ${plural(rows, 'row')} in ${batchCount(batches)}.`
    : failed.length > 0
      ? `Failed on ${plural(failed.length, 'table')} (${failed.map((t) => t.table).join(', ')}); the other tables were pruned.`
      : `Done: ${verb}d ${plural(rows, 'row')} in ${batchCount(batches)}.`;
  return `${[head, header, ...tables.map((t) => line(t, { table: width })), summary].join('\n')}\n`;
}

/** 0 when every table was pruned (or counted), 1 when a table failed. */
export const exitCode = (report: PruneReport): number =>
  report.tables.some((t) => t.failed !== undefined) ? 1 : 0;
