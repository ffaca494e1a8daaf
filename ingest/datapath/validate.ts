// Row validation against the schema catalog, before anything is queued: a bad row is refused with
// INVALID_EVENT naming the row and column, and so never reaches (or poisons) a batch.
import type { Catalog, Column, TableInfo } from '../../schema/index.ts';
import type { Row } from '../../store/index.ts';
import { IngestError } from '../errors.ts';
import { copyKeys, insertableValue, rawNumber, TooDeepError } from './insertable.ts';
import { dateCheck, dateTimeCheck } from './times.ts';

type Check = (value: unknown) => string | undefined;
/** A checked value as the store will accept it (the same reference when nothing changes). */
type Insertable = (value: unknown) => unknown;

const INT_RANGES: Record<string, [bigint, bigint]> = {
  Int8: [-(2n ** 7n), 2n ** 7n - 1n],
  Int16: [-(2n ** 15n), 2n ** 15n - 1n],
  Int32: [-(2n ** 31n), 2n ** 31n - 1n],
  Int64: [-(2n ** 63n), 2n ** 63n - 1n],
  UInt8: [0n, 2n ** 8n - 1n],
  UInt16: [0n, 2n ** 16n - 1n],
  UInt32: [0n, 2n ** 32n - 1n],
  UInt64: [0n, 2n ** 64n - 1n],
};

/** Largest accepted row, serialised, in UTF-8 bytes (a runaway row is refused instead of stalling a batch). */
export const MAX_ROW_BYTES = 1024 * 1024;

export function compileCheck(type: string): Check {
  const inner = /^(LowCardinality|Nullable|Array)\((.*)\)$/.exec(type);
  if (inner?.[1] === 'LowCardinality') return compileCheck(inner[2] ?? '');
  if (inner?.[1] === 'Nullable') {
    const check = compileCheck(inner[2] ?? '');
    return (v) => (v === null ? undefined : check(v));
  }
  if (inner?.[1] === 'Array') {
    const check = compileCheck(inner[2] ?? '');
    return (v) => (Array.isArray(v) ? v.map(check).find((e) => e !== undefined) : 'expected an array');
  }
  const base = type.replace(/\(.*$/, '');
  if (base === 'UUID') return uuidCheck();
  if (base === 'Date') return dateCheck();
  if (base === 'DateTime' || base === 'DateTime64') return dateTimeCheck(type);
  const range = INT_RANGES[base];
  if (range) return (v) => checkInt(v, range);
  return SCALARS[base] ?? (() => undefined);
}

/** The check of one column: its type's, narrowed to 0 or 1 where the engine reads a flag. */
function columnCheck(column: Column): Check {
  return column.flag ? (v) => checkInt(v, [0n, 1n]) : compileCheck(column.type);
}

/**
 * How a checked value of the type is written: integer columns get the exact decimal digits (a
 * JavaScript number beyond 2^53 is otherwise printed in exponent form, which the engine refuses for an
 * integer column, and "-0" is refused by an unsigned one); everything else as insertable.ts says.
 */
export function compileInsertable(type: string): Insertable {
  const inner = /^(LowCardinality|Nullable|Array)\((.*)\)$/.exec(type);
  if (inner?.[1] === 'Array') {
    const element = compileInsertable(inner[2] ?? '');
    return (v) => (Array.isArray(v) && element !== insertableValue ? v.map(element) : insertableValue(v));
  }
  if (inner !== null) return compileInsertable(inner[2] ?? '');
  return INT_RANGES[type.replace(/\(.*$/, '')] ? intValue : insertableValue;
}

/** An integer already checked for its column's range, in the digits the engine reads exactly. */
function intValue(v: unknown): unknown {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : rawNumber(BigInt(v).toString());
  if (typeof v === 'bigint' || typeof v === 'string') return BigInt(v).toString();
  return v;
}

const SCALARS: Record<string, Check> = {
  String: (v) => (typeof v === 'string' ? undefined : 'expected a string'),
  Float32: finite,
  Float64: finite,
  Bool: (v) => (typeof v === 'boolean' ? undefined : 'expected a boolean'),
  JSON: (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : 'expected an object'),
};

/** What each ASCII character is to a UUID's text: 1 a hex digit (either case), 2 the dash, 0 neither. */
const UUID_CLASS = new Uint8Array(128);
for (const c of '0123456789abcdefABCDEF') UUID_CLASS[c.charCodeAt(0)] = 1;
UUID_CLASS[0x2d] = 2;
/** What each place of 8-4-4-4-12 holds. */
const UUID_PLACES = Uint8Array.from({ length: 36 }, (_, i) => ([8, 13, 18, 23].includes(i) ? 2 : 1));

/**
 * One UUID column's check. It remembers the last value it accepted: the events of one request share
 * their visitor and session ids, so most values of a batch were checked a row before.
 */
function uuidCheck(): Check {
  let accepted: unknown;
  return (v) => {
    if (v === accepted) return undefined;
    if (typeof v !== 'string' || !isUuidText(v)) return 'expected a UUID';
    accepted = v;
    return undefined;
  };
}

/** 8-4-4-4-12 hex digits (either case): every row carries several, so no regular expression. */
function isUuidText(v: string): boolean {
  if (v.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = v.charCodeAt(i);
    if (c >= 128 || UUID_CLASS[c] !== UUID_PLACES[i]) return false;
  }
  return true;
}

function finite(v: unknown): string | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? undefined : 'expected a finite number';
}

function checkInt(v: unknown, [lo, hi]: [bigint, bigint]): string | undefined {
  let n: bigint;
  if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
  else if (typeof v === 'bigint') n = v;
  else if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) n = BigInt(v);
  else return 'expected an integer';
  return n < lo || n > hi ? `out of range [${lo}, ${hi}]` : undefined;
}

export type TableValidator = (rows: readonly Row[]) => Buffer;

/**
 * Where a validator's lines go once written: into memory of their own, which outlives the validator's
 * scratch (a copy). The data path lends them from reused slabs (slabs.ts) and takes them back once written.
 */
export type CopyOut = (lines: Buffer) => Buffer;

const freshCopy: CopyOut = (lines) => Buffer.from(lines);

/**
 * Compiles a validator that checks rows and returns them as JSONEachRow lines, normalised so that the
 * store accepts every row this returns (an acknowledged row never becomes a dead letter for its content).
 * Each row is walked once: its columns are checked and copied as the store will accept them (insertable.ts).
 */
export function compileValidator(info: TableInfo, copyOut: CopyOut = freshCopy): TableValidator {
  const checks: Record<string, Check> = Object.create(null);
  const insertables: Record<string, Insertable> = Object.create(null);
  // Time columns of one type share their check, and so the text it last accepted: an event's created_at
  // is mostly its received_at, which is then not parsed a second time.
  const timeChecks = new Map<string, Check>();
  for (const c of info.columns) {
    const time = !c.flag && /^(Nullable\()?Date/.test(c.type);
    const check = (time ? timeChecks.get(c.type) : undefined) ?? columnCheck(c);
    if (time) timeChecks.set(c.type, check);
    checks[c.name] = check;
    insertables[c.name] = compileInsertable(c.type);
  }
  const line = (row: Row, index: number): string => {
    // the row itself is serialised unless a value must change: most rows need no copy. The keys are read
    // with for-in, from the row's shape, without an array per row: rows are plain objects, whose
    // prototype has nothing enumerable, so these are Object.keys in its order.
    let out: Row | undefined;
    let i = 0;
    for (const column in row) {
      const value = row[column];
      if (value !== undefined) {
        const fixed = checked(info.name, checks[column], insertables[column], index, column, value);
        if (fixed !== value && out === undefined) out = copyKeys(row, Object.keys(row), i);
        if (out !== undefined) out[column] = fixed;
      }
      i++;
    }
    const text = JSON.stringify(out ?? row);
    if (tooLarge(text)) throw invalid(info.name, index, undefined, `larger than ${MAX_ROW_BYTES} bytes`);
    return text;
  };
  return (rows) => copyOut(jsonLines(rows, line));
}

/**
 * The rows' lines, each followed by a newline, in the scratch buffer (valid until the next validation),
 * which the caller copies out once: joining the lines into one string first made the engine copy every
 * line again (~420 bytes per event of garbage, under batches the most of any step).
 */
function jsonLines(rows: readonly Row[], line: (row: Row, index: number) => string): Buffer {
  let buffer: Buffer = scratch;
  let at = 0;
  for (let i = 0; i < rows.length; i++) {
    const text = line(rows[i] as Row, i);
    // a UTF-16 unit takes at most 3 bytes in UTF-8, plus the newline
    const most = at + 3 * text.length + 1;
    if (most > buffer.length) buffer = grown(buffer, at, most);
    at += buffer.write(text, at);
    buffer[at++] = 0x0a;
  }
  return buffer.subarray(0, at);
}

/**
 * Reused by every validation (the event loop runs one at a time). A larger one, for a request beyond
 * its size, is used for that request only, so a rare huge request does not stay resident.
 */
const scratch = Buffer.allocUnsafe(256 * 1024);

function grown(buffer: Buffer, used: number, needed: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(needed, 2 * buffer.length));
  buffer.copy(bigger, 0, 0, used);
  return bigger;
}

/**
 * Whether the row's UTF-8 encoding exceeds MAX_ROW_BYTES. A UTF-16 code unit is at most 3 bytes of UTF-8
 * (a surrogate pair is 2 units and 4 bytes), so the encoding is counted only for rows long enough to
 * exceed the limit: nearly every row is far below a third of it.
 */
function tooLarge(text: string): boolean {
  return text.length * 3 > MAX_ROW_BYTES && Buffer.byteLength(text) > MAX_ROW_BYTES;
}

/** The value as the store will accept it, or INVALID_EVENT naming the row and column. */
function checked(
  table: string,
  check: Check | undefined,
  insertable: Insertable | undefined,
  index: number,
  column: string,
  value: unknown,
) {
  const problem = check ? check(value) : 'unknown column';
  if (problem || insertable === undefined) throw invalid(table, index, column, problem ?? 'unknown column');
  try {
    return insertable(value);
  } catch (err) {
    if (err instanceof TooDeepError) throw invalid(table, index, column, err.message);
    throw err;
  }
}

export function compileValidators(catalog: Catalog, copyOut?: CopyOut): Map<string, TableValidator> {
  return new Map([...catalog].map(([name, info]) => [name, compileValidator(info, copyOut)]));
}

function invalid(table: string, row: number, column: string | undefined, problem: string): IngestError {
  const where = column ? `${table}.${column}` : table;
  return new IngestError('INVALID_EVENT', `row ${row}: ${where}: ${problem}`, {
    details: { table, row, ...(column ? { column } : {}), problem },
  });
}
