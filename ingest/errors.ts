// The ingest's catalog of coded errors. Handlers throw these; one error handler (plugins/error-handler.ts)
// maps every error — ours, Fastify's, the data path's — to JSON `{error, message}` with the right status.
// Codes are stable API: clients and dashboards match on them, so never rename one.

export interface ErrorSpec {
  readonly status: number;
  /** Seconds for Retry-After, for 429/503. */
  readonly retryAfterS?: number;
}

export const ERRORS = {
  BAD_REQUEST: { status: 400 },
  INVALID_EVENT: { status: 400 },
  INVALID_FRAME: { status: 400 },
  REDIRECT_NOT_ALLOWED: { status: 400 },
  UNAUTHORIZED: { status: 401 },
  FORBIDDEN: { status: 403 },
  NOT_FOUND: { status: 404 },
  BODY_TOO_LARGE: { status: 413 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415 },
  RATE_LIMITED: { status: 429, retryAfterS: 1 },
  INTERNAL: { status: 500 },
  NOT_READY: { status: 503, retryAfterS: 1 },
  OVERLOADED: { status: 503, retryAfterS: 1 },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export class IngestError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly retryAfterS: number | undefined;

  constructor(code: ErrorCode, message: string, opts: { retryAfterS?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'IngestError';
    this.code = code;
    const spec: ErrorSpec = ERRORS[code];
    this.statusCode = spec.status;
    this.retryAfterS = opts.retryAfterS ?? spec.retryAfterS;
  }
}

export const ingestError = (
  code: ErrorCode,
  message: string,
  opts?: { retryAfterS?: number; cause?: unknown },
) => new IngestError(code, message, opts);

/** JSON body every error response carries. */
export interface ErrorBody {
  error: string;
  message: string;
}

export interface MappedError {
  status: number;
  body: ErrorBody;
  retryAfterS?: number;
}

// Fastify's own error codes (body parsing, limits, content types) → our catalog.
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_VALIDATION: 'BAD_REQUEST',
  FST_ERR_NOT_FOUND: 'NOT_FOUND',
  // request decompression (@fastify/compress): a body that does not inflate, an encoding we do not take
  FST_CP_ERR_INVALID_CONTENT: 'BAD_REQUEST',
  FST_CP_ERR_INVALID_CONTENT_ENCODING: 'UNSUPPORTED_MEDIA_TYPE',
};

// The data path rejects with coded errors too (ingest/datapath/errors.ts); these are the codes it documents.
// STORE_ERROR (a statement the store refused) is a 503 to clients too: the event was not accepted and a
// retry may succeed; TABLE_UNKNOWN/TABLE_DERIVED are our own bugs and stay 500s.
const DATAPATH_CODES: Record<string, ErrorCode> = {
  ROW_INVALID: 'INVALID_EVENT',
  OVERLOADED: 'OVERLOADED',
  DRAINING: 'NOT_READY',
  STORE_UNAVAILABLE: 'OVERLOADED',
  STORE_ERROR: 'OVERLOADED',
};

interface LooseError {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  retryAfterS?: unknown;
  retryAfterSeconds?: unknown;
  retryAfterMs?: unknown;
  validation?: unknown;
}

function retryOf(e: LooseError, fallback: number | undefined): number | undefined {
  if (typeof e.retryAfterS === 'number') return Math.max(1, Math.ceil(e.retryAfterS));
  if (typeof e.retryAfterSeconds === 'number') return Math.max(1, Math.ceil(e.retryAfterSeconds));
  if (typeof e.retryAfterMs === 'number') return Math.max(1, Math.ceil(e.retryAfterMs / 1000));
  return fallback;
}

/** Map any thrown value to a response. Unknown errors become a 500 whose message leaks nothing internal. */
export function mapError(err: unknown): MappedError {
  const e: LooseError = typeof err === 'object' && err !== null ? (err as LooseError) : {};
  const message = typeof e.message === 'string' ? e.message : 'error';
  const rawCode = typeof e.code === 'string' ? e.code : undefined;
  const ours: ErrorCode | undefined =
    err instanceof IngestError
      ? err.code
      : rawCode !== undefined
        ? (FASTIFY_CODES[rawCode] ??
          DATAPATH_CODES[rawCode] ??
          (rawCode in ERRORS ? (rawCode as ErrorCode) : undefined))
        : e.validation !== undefined
          ? 'BAD_REQUEST'
          : undefined;
  if (ours !== undefined) {
    const spec: ErrorSpec = ERRORS[ours];
    return withRetry(spec.status, ours, message, retryOf(e, spec.retryAfterS));
  }
  // Other 4xx from Fastify or plugins keep their status; everything else is an internal error.
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return withRetry(
      e.statusCode,
      e.statusCode === 413 ? 'BODY_TOO_LARGE' : 'BAD_REQUEST',
      message,
      undefined,
    );
  }
  return { status: 500, body: { error: 'INTERNAL', message: 'internal error' } };
}

function withRetry(
  status: number,
  error: string,
  message: string,
  retryAfterS: number | undefined,
): MappedError {
  return retryAfterS === undefined
    ? { status, body: { error, message } }
    : { status, body: { error, message }, retryAfterS };
}
