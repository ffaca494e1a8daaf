// One request of ClickHouse's HTTP interface → what to run: the statement (the `query` parameter, then
// the body), its default output format, the database, query parameters (`param_<name>`), and the
// remaining URL parameters as settings. Parameters that belong to the protocol, not to the engine, are
// taken here; the statement itself is never inspected for what it does: the engine decides that.
import { ClickHouseError } from './errors.ts';

/** Every answer of the endpoint names it so (`x-clickhouse-server-display-name`), as ClickHouse names its server. */
export const DISPLAY_NAME = 'tracker-embedded';

export interface SqlRequest {
  readonly sql: string;
  readonly defaultFormat: string;
  readonly database: string | undefined;
  readonly queryId: string;
  readonly params: Record<string, string>;
  readonly settings: Record<string, string>;
  /** The client's own deadline (its `max_execution_time`), when it set one. */
  readonly timeoutMs: number | undefined;
  /** `enable_http_compression=1`: compress the response as Accept-Encoding allows. */
  readonly compressResponse: boolean;
}

export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Protocol parameters that carry nothing to do here: sessions (a read-only connection keeps no state a
 * session could hold), progress headers (the response is sent whole), buffering (always whole), quotas.
 */
const IGNORED = new Set([
  'session_id',
  'session_timeout',
  'session_check',
  'wait_end_of_query',
  'buffer_size',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'quota_key',
  'client_protocol_version',
]);

const header = (h: RequestHeaders, name: string) => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** A password in a URL ends up in access logs and shell history: refused before anything else. */
export function refuseUrlCredentials(url: URL): void {
  if (url.searchParams.has('password') || url.searchParams.has('user')) {
    throw new ClickHouseError(
      516,
      'AUTHENTICATION_FAILED',
      'Credentials in the URL are not accepted (they end up in logs): use HTTP Basic auth or the X-ClickHouse-User and X-ClickHouse-Key headers',
    );
  }
}

export function parseSqlRequest(url: URL, body: Buffer, headers: RequestHeaders): SqlRequest {
  const search = url.searchParams;
  if (search.get('compress') === '1' || search.get('decompress') === '1') {
    throw new ClickHouseError(
      48,
      'NOT_IMPLEMENTED',
      "ClickHouse's native block compression (compress/decompress=1) is not supported: use enable_http_compression=1 (gzip/deflate) or none; the JDBC driver asks for it unless told compress=false (in its URL, jdbc:clickhouse:http://host:8123/tracker?compress=false, or its properties)",
    );
  }
  const params: Record<string, string> = {};
  const settings: Record<string, string> = {};
  let timeoutMs: number | undefined;
  for (const [key, value] of search) {
    if (key.startsWith('param_')) params[key.slice(6)] = unescapeParam(value);
    else if (key === 'max_execution_time') timeoutMs = deadline(value);
    else if (!PROTOCOL.has(key) && !IGNORED.has(key)) settings[key] = value;
  }
  const viaParam = search.get('query');
  const text = body.toString('utf8');
  const sql = viaParam === null ? text : text.trim() === '' ? viaParam : `${viaParam}\n${text}`;
  if (sql.trim() === '') throw new ClickHouseError(62, 'SYNTAX_ERROR', 'Empty query');
  return {
    sql,
    defaultFormat: search.get('default_format') ?? header(headers, 'x-clickhouse-format') ?? 'TabSeparated',
    database: search.get('database') ?? header(headers, 'x-clickhouse-database') ?? undefined,
    queryId: search.get('query_id') || crypto.randomUUID(),
    params,
    settings,
    timeoutMs,
    compressResponse: search.get('enable_http_compression') === '1',
  };
}

const PROTOCOL = new Set([
  'query',
  'query_id',
  'database',
  'default_format',
  'enable_http_compression',
  'role',
]);

/** `max_execution_time` in seconds; 0 means none (the endpoint's own limit still applies). */
function deadline(value: string): number | undefined {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new ClickHouseError(72, 'CANNOT_PARSE_NUMBER', `max_execution_time: '${value}' is not a number`);
  }
  return seconds === 0 ? undefined : Math.ceil(seconds * 1000);
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b', f: '\f' };

/** Query parameter values arrive in ClickHouse's Escaped text format (clients escape \t, \n, \\ and '). */
function unescapeParam(value: string): string {
  return value.replace(/\\(.)/gs, (_m, c: string) => ESCAPES[c] ?? c);
}

const TRAILING_FORMAT = /\bFORMAT\s+([A-Za-z0-9_]+)\s*;?\s*$/i;

/**
 * The output format, for the response headers only: a statement's own FORMAT clause wins over the
 * default format (the engine applies it either way; this only names it).
 */
export function outputFormat(request: SqlRequest): string {
  return TRAILING_FORMAT.exec(request.sql)?.[1] ?? request.defaultFormat;
}

export function contentType(format: string): string {
  if (/^JSON.*EachRow/i.test(format)) return 'application/x-ndjson; charset=UTF-8';
  if (/^JSON/i.test(format)) return 'application/json; charset=UTF-8';
  if (/^(TSV|TabSeparated)/i.test(format)) return 'text/tab-separated-values; charset=UTF-8';
  if (/^CSV/i.test(format)) return 'text/csv; charset=UTF-8';
  if (/^(Native|RowBinary|Parquet|Arrow|ORC|Avro|MsgPack|Protobuf)/i.test(format)) {
    return 'application/octet-stream';
  }
  return 'text/plain; charset=UTF-8';
}
