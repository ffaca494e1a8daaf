// Small helpers shared by both stores.
import type { Row } from './contract.ts';

/**
 * Settings of every data-path insert. Unknown keys are an error, not silently dropped (the engine's
 * default skips them); a bad value fails the insert so the batcher can isolate the row.
 */
export const INSERT_SETTINGS = {
  input_format_skip_unknown_fields: 0,
  insert_deduplicate: 1,
  date_time_input_format: 'best_effort',
} as const;

export const qualified = (database: string, table: string): string => `\`${database}\`.\`${table}\``;

export function rowsToJsonLines(rows: readonly Row[]): Buffer {
  return Buffer.from(`${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
}

export function parseJsonEachRow<T>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split('\n')) if (line !== '') out.push(JSON.parse(line) as T);
  return out;
}
