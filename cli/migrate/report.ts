// The text `tracker migrate` prints: one head line naming the store, one line per kind of change (the
// migration versions, the rollup rules, the retention per table), then what happened or, for a dry run,
// what a run would do. Nothing to do is said as such, so a second run shows it applied nothing.
import type { RetentionChange } from '../../schema/index.ts';
import { MIGRATE_EXIT } from './errors.ts';
import { changedAnything, type MigrateReport } from './run.ts';

const kept = (days: number) => (days === 0 ? 'for ever' : `${days} days`);
const ttl = (c: RetentionChange) => `${c.table} ${kept(c.from)} -> ${kept(c.to)}`;

function lines(r: MigrateReport): string[] {
  const verb = r.dryRun ? 'to apply' : 'applied';
  const out: string[] = [];
  if (r.createsDatabase) out.push(`  database ${r.rendering.database}: to create`);
  if (r.migrations.length > 0) out.push(`  migrations ${verb}: ${r.migrations.join(', ')}`);
  if (r.rollups.length > 0)
    out.push(`  rollup rules ${r.dryRun ? 'to write' : 'written'}: ${r.rollups.join(', ')}`);
  if (r.retention.length > 0)
    out.push(`  retention ${r.dryRun ? 'to change' : 'changed'}: ${r.retention.map(ttl).join('; ')}`);
  return out;
}

function summary(r: MigrateReport): string {
  if (!changedAnything(r)) return `Nothing to apply: the schema is at version ${r.version}.`;
  return r.dryRun
    ? `Dry run: nothing was changed. Without --dry-run the schema would be at version ${r.version}.`
    : `Done: the schema is at version ${r.version}.`;
}

export function formatReport(r: MigrateReport): string {
  const { rendering, host } = r;
  const where = rendering.cluster ? `cluster ${rendering.cluster}, ` : host ? `host ${host}, ` : '';
  const head = `tracker migrate (${where}database ${rendering.database})${r.dryRun ? ' (dry run)' : ''}`;
  return `${[head, ...lines(r), summary(r)].join('\n')}\n`;
}

/** 0 when done (or up to date); a dry run that found something to apply: 2. */
export const exitCode = (r: MigrateReport): number =>
  r.dryRun && changedAnything(r) ? MIGRATE_EXIT.pending : MIGRATE_EXIT.ok;
