// The data path's batching defaults per table, as a section of docs/configuration.md. The schema gives
// `batching.tables.<name>.*` no default (a key left out falls back to its table's own, in the data path),
// so the reference showed those keys empty ("unset") and did not say when an acknowledged event reaches
// the store: for `events` after 10 s or 50,000 rows.
import { DEFAULT_SETTINGS, TABLE_DEFAULTS, type TableSettings } from '../ingest/datapath/index.ts';

const COLUMNS = [
  'strategy',
  'maxRows',
  'maxDelayMs',
  'maxBytes',
  'priority',
  'retries',
  'backoffMs',
] as const;

const row = (name: string, s: TableSettings) =>
  `| ${name} | ${COLUMNS.map((c) => `\`${s[c]}\``).join(' | ')} |`;

/** The defaults as Markdown: one row per table with its own, then the one every other table takes. */
export function batchingDefaultsMarkdown(): string {
  const rows = Object.entries(TABLE_DEFAULTS).map(([table, s]) => row(`\`${table}\``, s));
  return [
    '### Per-table batching defaults',
    '',
    "A key left out of `batching.tables.<name>` takes its table's default (the data path's",
    "`ingest/datapath/batching/defaults.ts`, after the Go tracker's). `hybrid` flushes at whichever of",
    '`maxRows`, `maxDelayMs` and `maxBytes` comes first; `immediate` inserts at once.',
    '',
    `| table | ${COLUMNS.join(' | ')} |`,
    `| --- | ${COLUMNS.map(() => '---').join(' | ')} |`,
    ...rows,
    row('any other table', DEFAULT_SETTINGS),
    '',
  ].join('\n');
}

/** `markdown` with `extra` at the end of its `## <section>` (before the next section). */
export function appendToSection(markdown: string, section: string, extra: string): string {
  const start = markdown.indexOf(`\n## ${section}\n`);
  if (start < 0) throw new Error(`no section ${section}`);
  const next = markdown.indexOf('\n## ', start + 1);
  const end = next < 0 ? markdown.length : next;
  return `${markdown.slice(0, end)}\n${extra}${markdown.slice(end)}`;
}
