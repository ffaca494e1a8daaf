// What `tracker prune` is asked to do, from its flags and the ingest configuration: delete or anonymise
// rows older than a retention per table (the configuration's `retention`, overridable per run), or every
// row of listed visitors. Problems are reported all at once, like configuration problems.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../common/config/problems.ts';
import { agedTables, type Retention, type VisitorIds } from '../../schema/index.ts';

export type PruneMode = 'delete' | 'anonymise';

export interface PruneRequest {
  readonly mode: PruneMode;
  /** Change rows; otherwise a dry run that only counts them. */
  readonly apply: boolean;
  /** Age mode (no visitor list): days to keep per table; 0 keeps a table forever. */
  readonly retention: Retention;
  /** Visitor mode: these visitors' rows, whatever their age. */
  readonly visitors?: VisitorIds;
  /** Visitors per statement in visitor mode. */
  readonly batchSize: number;
  /** Rows older than now minus the retention are pruned. */
  readonly now: Date;
}

export interface PruneFlags {
  readonly mode?: string;
  readonly apply?: boolean;
  readonly days?: string;
  readonly table?: readonly string[];
  readonly visitors?: string;
  readonly users?: string;
  readonly batchSize?: string;
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const TABLE_DAYS = /^([a-z][a-z0-9_]{0,62})=(\d{1,6})$/;

const wholeNumber = (text: string | undefined, min: number, max: number): number | undefined => {
  if (text === undefined || !/^\d{1,9}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
};

/** UUIDs, one per line; blank lines and `#` comments are skipped. `-` reads standard input. */
export function readIds(file: string, flag: string, problems: string[]): string[] {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    problems.push(`${flag}: cannot read ${file}: ${(err as Error).message}`);
    return [];
  }
  const ids: string[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    if (UUID.test(line)) ids.push(line.toLowerCase());
    else problems.push(`${flag}: ${file} line ${i + 1}: "${line.slice(0, 40)}" is not a UUID`);
  }
  return [...new Set(ids)];
}

function retentionOf(
  base: Retention,
  flags: PruneFlags,
  aged: readonly string[],
  problems: string[],
): Retention {
  const tables: Record<string, number> = { ...base.tables };
  for (const entry of flags.table ?? []) {
    const match = TABLE_DAYS.exec(entry);
    if (!match?.[1] || !match[2]) problems.push(`--table: "${entry}" is not <table>=<days>`);
    // A misspelt table would otherwise be ignored, and the run would prune by the default age instead.
    else if (!aged.includes(match[1]))
      problems.push(`--table: "${match[1]}" is not a table with an age (one of ${aged.join(', ')})`);
    else tables[match[1]] = Number(match[2]);
  }
  const days = flags.days === undefined ? base.defaultDays : wholeNumber(flags.days, 0, 1_000_000);
  if (days === undefined) problems.push(`--days: "${flags.days}" is not a whole number of days`);
  return { defaultDays: days ?? 0, tables };
}

function visitorsOf(flags: PruneFlags, problems: string[]): VisitorIds | undefined {
  if (flags.visitors === undefined && flags.users === undefined) return undefined;
  const vids = flags.visitors === undefined ? [] : readIds(flags.visitors, '--visitors', problems);
  const uids = flags.users === undefined ? [] : readIds(flags.users, '--users', problems);
  if (vids.length + uids.length === 0 && problems.length === 0) {
    problems.push('--visitors/--users: the lists hold no id');
  }
  return { vids, uids };
}

export function pruneRequest(
  flags: PruneFlags,
  retention: Retention,
  now: Date = new Date(),
  aged: readonly string[] = agedTables(),
): PruneRequest {
  const problems: string[] = [];
  const mode = flags.mode ?? 'delete';
  if (mode !== 'delete' && mode !== 'anonymise') {
    problems.push(`--mode: "${mode}" is not delete or anonymise`);
  }
  const batchSize = wholeNumber(flags.batchSize ?? '1000', 1, 100_000);
  if (batchSize === undefined) problems.push(`--batch-size: "${flags.batchSize}" is not 1 to 100000`);
  const visitors = visitorsOf(flags, problems);
  if (visitors !== undefined && (flags.days !== undefined || (flags.table ?? []).length > 0)) {
    problems.push('--days/--table: not with --visitors/--users (a visitor list prunes rows of any age)');
  }
  const request = {
    mode: mode as PruneMode,
    apply: flags.apply === true,
    retention: retentionOf(retention, flags, aged, problems),
    batchSize: batchSize ?? 1000,
    now,
    ...(visitors === undefined ? {} : { visitors }),
  };
  if (problems.length > 0) throw new ConfigError('tracker prune options', problems);
  return request;
}
