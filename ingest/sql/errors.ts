// Errors of the SQL endpoint in ClickHouse's own shape, which its clients parse: the body
// `Code: N. DB::Exception: <message>. (TYPE) (version V)`, the `X-ClickHouse-Exception-Code` header, and an
// HTTP status chosen from the code. The engine's own errors (chdb carries their code) pass through with
// their code and type; anything else is an internal error whose details stay in the log.

export class ClickHouseError extends Error {
  override readonly name = 'ClickHouseError';
  readonly clickhouseCode: number;
  readonly type: string;
  /** The HTTP status when the code alone does not decide it (one code, a server's or a reader's limit). */
  readonly httpStatus: number | undefined;
  /** Seconds for Retry-After, when waiting is the remedy (a 429). */
  readonly retryAfterS: number | undefined;

  constructor(code: number, type: string, message: string, httpStatus?: number, retryAfterS?: number) {
    super(message);
    this.clickhouseCode = code;
    this.type = type;
    this.httpStatus = httpStatus;
    this.retryAfterS = retryAfterS;
  }
}

export interface ErrorResponse {
  readonly status: number;
  readonly code: number;
  readonly body: string;
  readonly headers: Record<string, string>;
}

/**
 * ClickHouse's own mapping from error code to HTTP status (its HTTP handler), so clients that look at the
 * status behave as against a server, with three changes where ClickHouse answers 500 for the reader's own
 * mistake, which is no server fault to retry: a refused write (READONLY) is 403, since the credential is
 * right and the endpoint refuses the act; a result over the endpoint's size limit (TOO_MANY_ROWS_OR_BYTES)
 * is 422, a statement it understood and will not run as written; and a full queue
 * (TOO_MANY_SIMULTANEOUS_QUERIES) is 503 with Retry-After, since waiting a moment is the remedy.
 */
const STATUS: ReadonlyArray<readonly [number, readonly number[]]> = [
  [400, [6, 25, 26, 27, 38, 41, 53, 62, 72, 117, 456, 457]], // parse errors, SYNTAX_ERROR, TYPE_MISMATCH, parameters
  [401, [194]], // REQUIRED_PASSWORD
  [403, [164, 192, 193, 497, 516]], // READONLY, UNKNOWN_USER, WRONG_PASSWORD, ACCESS_DENIED, AUTHENTICATION_FAILED
  [404, [46, 47, 50, 56, 60, 63, 73, 81, 115]], // UNKNOWN_FUNCTION/IDENTIFIER/TYPE/STORAGE/TABLE/…/SETTING
  [422, [396]], // TOO_MANY_ROWS_OR_BYTES: the result limit (sql.maxResultBytes)
  [501, [48]], // NOT_IMPLEMENTED
  [503, [76, 202, 209]], // CANNOT_OPEN_FILE, TOO_MANY_SIMULTANEOUS_QUERIES, SOCKET_TIMEOUT
];

export function httpStatus(code: number): number {
  return STATUS.find(([, codes]) => codes.includes(code))?.[0] ?? 500;
}

interface Described {
  readonly code: number;
  readonly type: string;
  readonly message: string;
}

/** The code, type and message of anything thrown: the engine's own, ours, or an unexpected one. */
export function describe(err: unknown): Described | undefined {
  const e = err as { clickhouseCode?: unknown; type?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const code =
    typeof e?.clickhouseCode === 'number' ? e.clickhouseCode : Number(/Code: (\d+)\./.exec(message)?.[1]);
  if (!Number.isInteger(code) || code <= 0) return undefined;
  // chdb repeats the prefix (and sometimes a nested one): keep the innermost message.
  const inner = message.replace(/^(?:Code: \d+\. DB::Exception: )+/, '').replace(/\s*\(version [^)]*\)/g, '');
  const typeAtEnd = /\s*\(([A-Z0-9_]+)\)\.?\s*$/;
  const type = typeof e.type === 'string' ? e.type : (typeAtEnd.exec(inner)?.[1] ?? 'UNKNOWN_EXCEPTION');
  let text = inner;
  while (typeAtEnd.test(text)) text = text.replace(typeAtEnd, '');
  return { code, type, message: text.replace(/\.$/, '') };
}

export function errorResponse(err: unknown, version: string): ErrorResponse {
  const d = describe(err) ?? { code: 1001, type: 'STD_EXCEPTION', message: 'internal error' };
  const own = err instanceof ClickHouseError ? err.httpStatus : undefined;
  const status = own ?? httpStatus(d.code);
  const headers: Record<string, string> = {
    'content-type': 'text/plain; charset=UTF-8',
    'x-clickhouse-exception-code': String(d.code),
  };
  if (status === 401)
    headers['www-authenticate'] = 'Basic realm="ClickHouse server HTTP API", charset="UTF-8"';
  if (status === 503) headers['retry-after'] = '1';
  if (err instanceof ClickHouseError && err.retryAfterS !== undefined)
    headers['retry-after'] = String(err.retryAfterS);
  return {
    status,
    code: d.code,
    body: `Code: ${d.code}. DB::Exception: ${d.message}. (${d.type}) (version ${version})\n`,
    headers,
  };
}
