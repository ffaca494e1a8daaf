// Small helpers shared by both stores.
import type { BodyBuffers, JsonLines, Row } from './contract.ts';

/**
 * Settings of every data-path insert. Unknown keys are an error, not silently dropped (the engine's
 * default skips them); a bad value fails the insert so the batcher can isolate the row.
 *
 * A string in a JSON column (`params`, `targets`, …) is stored as the string sent. The engine's default
 * guesses a type for each such string, and with best-effort date parsing (which the typed DateTime columns
 * need) it took dates where there were none and changed them: "12/04/2026" came back as
 * "2026-04-12 00:00:00", "2026-02-30" as "2026-03-02", "2026-13-01" as "1970-01-01".
 */
export const INSERT_SETTINGS = {
  input_format_skip_unknown_fields: 0,
  insert_deduplicate: 1,
  date_time_input_format: 'best_effort',
  input_format_try_infer_dates: 0,
  input_format_try_infer_datetimes: 0,
} as const;

export const qualified = (database: string, table: string): string => `\`${database}\`.\`${table}\``;

export function rowsToJsonLines(rows: readonly Row[]): Buffer {
  return Buffer.from(`${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
}

/** The lines as one buffer (a store that takes one body whole). */
export async function joinedLines(lines: JsonLines): Promise<Buffer> {
  if (Buffer.isBuffer(lines)) return lines;
  const pieces = Array.isArray(lines) ? (lines as readonly Buffer[]) : await allPieces(iterableOf(lines));
  return pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces);
}

/** The pieces of lines that are not one buffer; a reader is called (with `buffers`, when given). */
export function iterableOf(
  lines: Exclude<JsonLines, Buffer>,
  buffers?: BodyBuffers,
): Iterable<Buffer> | AsyncIterable<Buffer> {
  return typeof lines === 'function' ? lines(buffers) : lines;
}

/** Every piece of an iterable of them, in order. */
export async function allPieces(pieces: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const piece of pieces) out.push(piece);
  return out;
}

/**
 * The lines as a request body of pieces: small pieces (a batch of single-event appends is tens of
 * thousands) are joined a few at a time into about `size` bytes, pieces of `size / 8` or more (a
 * 100-event append, a chunk read back from the spool's files) pass as they are: the batch is never
 * copied into one buffer, and what is already large is not copied at all (every copy is a fresh buffer
 * that stays resident until V8 next collects). A reader reads into `buffers` where they are given.
 */
export async function* bodyPieces(
  lines: JsonLines,
  size = 256 * 1024,
  buffers?: BodyBuffers,
): AsyncGenerator<Buffer> {
  if (Buffer.isBuffer(lines)) {
    yield lines;
    return;
  }
  let group: Buffer[] = [];
  let bytes = 0;
  const flush = () => {
    const joined = group.length === 1 ? (group[0] as Buffer) : Buffer.concat(group, bytes);
    group = [];
    bytes = 0;
    return joined;
  };
  for await (const piece of iterableOf(lines, buffers)) {
    const large = piece.length >= size / 8;
    if (bytes > 0 && (large || bytes + piece.length > size)) yield flush();
    if (large) yield piece;
    else {
      group.push(piece);
      bytes += piece.length;
    }
  }
  if (bytes > 0) yield flush();
}

export function parseJsonEachRow<T>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split('\n')) if (line !== '') out.push(JSON.parse(line) as T);
  return out;
}
