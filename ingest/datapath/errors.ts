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
