// What start and stop did to the user's data, said in one sentence each (the runtime's log): the schema
// created or upgraded, the rows a previous run left in the spool, and whether a stop stored every
// acknowledged row. Without them a restart after a crash or an upgrade looked like any other start, and a
// stop whose grace period ran out like one that stored everything.
import type { MigrateResult } from '../../schema/index.ts';
import type { OpenedSpool } from './spool/open.ts';

/** What a start did to the schema: created it, upgraded it (which migrations), or nothing (undefined). */
export function migrationNotice({ applied, skipped, version }: MigrateResult): string | undefined {
  if (applied.length === 0) return undefined;
  if (skipped.length === 0) return `schema: created at version ${version}`;
  const from = Math.max(...skipped);
  const names = applied.join(', ');
  return `schema: upgraded from version ${from} to ${version} (migration${applied.length > 1 ? 's' : ''} ${names})`;
}

/** `12 rows (events 10, ltv 2)`, or undefined when the spool holds no pending row. */
export function pendingRows(spool: OpenedSpool): string | undefined {
  const per = spool
    .tables()
    .map((table) => [table, spool.peek(table)?.pending.rows ?? 0] as const)
    .filter(([, rows]) => rows > 0);
  if (per.length === 0) return undefined;
  const total = per.reduce((sum, [, rows]) => sum + rows, 0);
  return `${total} row${total > 1 ? 's' : ''} (${per.map(([t, rows]) => `${t} ${rows}`).join(', ')})`;
}

/** After a stop: everything stored, or what stays in the spool for the next start. */
export function stopNotice(spool: OpenedSpool): string {
  // bytes, not pending rows: a batch cut and not committed is no longer pending but still in the spool
  const held = spool.bytes;
  if (held === 0) return 'stopped: every acknowledged row is stored';
  const left = pendingRows(spool);
  const sent = left === undefined ? '' : `, ${left} not yet sent`;
  return `stopped with rows not stored within server.shutdownGraceMs (${held} bytes${sent}): they stay in the spool and are stored at the next start`;
}
