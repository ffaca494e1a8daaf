// The ingest's one catalogue of coded errors. Routes, the WebSocket and the data path all throw IngestError
// with a code from it; one mapping (mapError, used by plugins/errors.ts and the WebSocket) turns any thrown
// value into a response: JSON `{error, message}`, the code's status and, where the catalogue gives one,
// Retry-After. Codes are stable API: clients and dashboards match on them, so never rename one.

export interface ErrorSpec {
  readonly status: number;
  /** What the code means; the message when a thrower gives none. */
  readonly message: string;
  /** Seconds for Retry-After (429 and 503), unless the thrower knows better (the spool's configured delay). */
  readonly retryAfterS?: number;
}

export const errors = {
  BAD_REQUEST: { status: 400, message: 'The request is malformed.' },
  INVALID_EVENT: { status: 400, message: 'An event does not match its table; nothing was stored.' },
  INVALID_FRAME: { status: 400, message: 'The WebSocket frame is not an event.' },
  /** Plain HTTP sent to a TLS port (answered in plain HTTP before any TLS, then the connection closed). */
  TLS_REQUIRED: { status: 400, message: 'This port speaks HTTPS only: send the request to an https:// URL.' },
  REDIRECT_NOT_ALLOWED: { status: 400, message: 'The destination host is not on the redirect allow-list.' },
  UNAUTHORIZED: { status: 401, message: 'Credentials are missing or invalid.' },
  FORBIDDEN: { status: 403, message: 'Not allowed.' },
  NOT_FOUND: { status: 404, message: 'Not found.' },
  /** The path has routes, none for this method; the response's Allow header names theirs. */
  METHOD_NOT_ALLOWED: { status: 405, message: 'The path does not answer this method.' },
  /** The request line, headers or body took longer than server.headersTimeoutMs / requestTimeoutMs. */
  REQUEST_TIMEOUT: { status: 408, message: 'The request was not received in time.' },
  BODY_TOO_LARGE: { status: 413, message: 'The body is larger than allowed.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The content type is not supported.' },
  /** A plain request to a path that only speaks WebSocket; the response's Upgrade header names it. */
  UPGRADE_REQUIRED: { status: 426, message: 'This path is a WebSocket endpoint: send Upgrade: websocket.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests; retry later.', retryAfterS: 1 },
  /** A bug on our side (e.g. a write to a table the schema does not have); the response never says more. */
  INTERNAL: { status: 500, message: 'internal error' },
  /**
   * The store answered but refuses the ingest whatever it asks: wrong credentials, a missing grant, the
   * schema missing (repositories/unavailable.ts). Retrying does not help until an operator fixes the
   * configuration, so no Retry-After; the message says which, never the store's address.
   */
  STORE_REFUSED: { status: 500, message: 'The store refuses the ingest: its configuration needs fixing.' },
  /** A feature this ingest's configuration leaves off (the message names the setting that turns it on). */
  NOT_CONFIGURED: { status: 501, message: 'This feature is not configured on this ingest.' },
  NOT_READY: { status: 503, message: 'Shutting down; retry on another instance.', retryAfterS: 1 },
  /**
   * The spool full or unwritable, or something else the answer needs out of reach for now (the shared
   * salts, the erasure journal, the store a route reads its answer from: repositories/unavailable.ts); the
   * thrower's message says which.
   */
  OVERLOADED: { status: 503, message: 'The spool is full or unwritable; retry later.', retryAfterS: 1 },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errors;

export interface IngestErrorOptions {
  readonly retryAfterS?: number;
  /** Machine-readable specifics, e.g. the offending row and column of an INVALID_EVENT. */
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

export class IngestError extends Error {
  override readonly name = 'IngestError';
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly retryAfterS: number | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message?: string, opts: IngestErrorOptions = {}) {
    super(message ?? errors[code].message, opts.cause === undefined ? undefined : { cause: opts.cause });
    const spec: ErrorSpec = errors[code];
    this.code = code;
    this.statusCode = spec.status;
    this.retryAfterS = opts.retryAfterS ?? spec.retryAfterS;
    this.details = opts.details;
  }
}

export const isIngestError = (err: unknown, code?: ErrorCode): err is IngestError =>
  err instanceof IngestError && (code === undefined || err.code === code);

/** JSON body every error response carries. */
export interface ErrorBody {
  error: ErrorCode;
  message: string;
}

export interface MappedError {
  status: number;
  body: ErrorBody;
  retryAfterS?: number;
}

// Fastify's own error codes (body parsing, limits, content types) → the catalogue.
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_VALIDATION: 'BAD_REQUEST',
  FST_ERR_NOT_FOUND: 'NOT_FOUND',
};

interface LooseError {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  validation?: unknown;
}

/**
 * Fastify's and its plugins' errors: a known code or a schema validation failure becomes its catalogue
 * entry; any other 4xx keeps its status under the closest code.
 */
function fastifyError(e: LooseError): MappedError | undefined {
  const message = typeof e.message === 'string' ? e.message : 'error';
  const known = typeof e.code === 'string' ? FASTIFY_CODES[e.code] : undefined;
  if (known !== undefined) return respond(known, message);
  if (e.validation !== undefined) return respond('BAD_REQUEST', message);
  if (typeof e.statusCode !== 'number' || e.statusCode < 400 || e.statusCode >= 500) return undefined;
  const code = e.statusCode === 413 ? 'BODY_TOO_LARGE' : 'BAD_REQUEST';
  return { status: e.statusCode, body: { error: code, message } };
}

function respond(code: ErrorCode, message: string, retryAfterS?: number): MappedError {
  const spec: ErrorSpec = errors[code];
  // A 500 says nothing about its cause (a stack, a statement, a path): the log has it.
  const body = { error: code, message: code === 'INTERNAL' ? spec.message : message };
  if (retryAfterS === undefined) return { status: spec.status, body };
  return { status: spec.status, body, retryAfterS: Math.max(1, Math.ceil(retryAfterS)) };
}

/** Map any thrown value to a response. Anything not in the catalogue is a 500 that leaks nothing. */
export function mapError(err: unknown): MappedError {
  if (err instanceof IngestError) return respond(err.code, err.message, err.retryAfterS);
  const loose = typeof err === 'object' && err !== null ? (err as LooseError) : {};
  return fastifyError(loose) ?? respond('INTERNAL', errors.INTERNAL.message);
}
