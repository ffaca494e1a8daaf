// The data path's catalog of coded errors. The API layer maps them to responses in one handler:
// `{error: code, message}` with `httpStatus`, plus Retry-After when `retryAfterSeconds` is set.

export const DataPathErrors = {
  ROW_INVALID: { httpStatus: 400, message: 'A row does not match its table; nothing was queued.' },
  TABLE_UNKNOWN: { httpStatus: 500, message: 'No such table in the schema.' },
  TABLE_DERIVED: {
    httpStatus: 500,
    message: 'The table is filled by a materialized view; write its source.',
  },
  OVERLOADED: { httpStatus: 503, message: 'The spool is full or unwritable; retry later.' },
  DRAINING: { httpStatus: 503, message: 'Shutting down; retry on another instance.' },
  STORE_UNAVAILABLE: { httpStatus: 503, message: 'The store is unavailable (circuit breaker open).' },
  STORE_ERROR: { httpStatus: 502, message: 'The store refused the statement.' },
} as const;

export type DataPathErrorCode = keyof typeof DataPathErrors;

export interface DataPathErrorOptions {
  readonly message?: string;
  readonly retryAfterSeconds?: number;
  /** Machine-readable specifics, e.g. the offending row index and column for ROW_INVALID. */
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

export class DataPathError extends Error {
  readonly code: DataPathErrorCode;
  readonly httpStatus: number;
  readonly retryAfterSeconds: number | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: DataPathErrorCode, opts: DataPathErrorOptions = {}) {
    super(opts.message ?? DataPathErrors[code].message, { cause: opts.cause });
    this.name = 'DataPathError';
    this.code = code;
    this.httpStatus = DataPathErrors[code].httpStatus;
    this.retryAfterSeconds = opts.retryAfterSeconds;
    this.details = opts.details;
  }
}

export const isDataPathError = (err: unknown, code?: DataPathErrorCode): err is DataPathError =>
  err instanceof DataPathError && (code === undefined || err.code === code);

/**
 * ClickHouse error codes that mean "this data is wrong", not "the server is unhappy": a batch failing
 * with one of them is bisected to find the rows to dead-letter; anything else is retried as it is.
 */
const DATA_ERROR_CODES = new Set([
  6, // CANNOT_PARSE_TEXT
  25, // CANNOT_PARSE_ESCAPE_SEQUENCE
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  32, // ATTEMPT_TO_READ_AFTER_EOF
  33, // CANNOT_READ_ALL_DATA
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  131, // TOO_LARGE_STRING_SIZE
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  349, // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  376, // CANNOT_PARSE_UUID
  467, // CANNOT_PARSE_BOOL
  691, // UNKNOWN_ELEMENT_OF_ENUM
  // TOO_MANY_PARTS (252) and memory limits are deliberately absent: they are back-pressure, retried.
]);

/** The numeric ClickHouse error code of a chdb or @clickhouse/client error, if it carries one. */
export function clickhouseCode(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { clickhouseCode?: unknown; code?: unknown; message?: unknown };
  for (const candidate of [e.clickhouseCode, e.code]) {
    const n = typeof candidate === 'string' ? Number(candidate) : candidate;
    if (typeof n === 'number' && Number.isInteger(n) && n > 0) return n;
  }
  const match = typeof e.message === 'string' ? /Code: (\d+)\./.exec(e.message) : null;
  return match ? Number(match[1]) : undefined;
}

export const isDataError = (err: unknown): boolean => DATA_ERROR_CODES.has(clickhouseCode(err) ?? 0);
