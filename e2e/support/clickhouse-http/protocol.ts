// Request parsing for the ClickHouse HTTP test double: which URL parameters are protocol, which are
// query parameters (`param_x`), which are settings; and whether the statement is an insert.
import type { RawInsertFormat } from 'chdb';

export interface ParsedRequest {
  readonly sql: string;
  /** Insert payload when the statement came in the `query` parameter; otherwise empty. */
  readonly body: Buffer;
  readonly database: string | undefined;
  readonly queryId: string;
  readonly params: Record<string, string>;
  readonly settings: Record<string, string>;
  /** The `default_format` parameter: the output format when the statement has no FORMAT clause. */
  readonly defaultFormat: string;
}

/** What a statement answers: the body as the engine wrote it (binary formats included). */
export interface Output {
  readonly body: Buffer;
  readonly format: string | undefined;
  readonly summary: Record<string, string>;
}

export type Statement =
  | { kind: 'insert'; table: string; columns?: string[]; format: RawInsertFormat }
  | { kind: 'query'; sql: string; format: string };

/** URL parameters that belong to the HTTP protocol, not to settings. */
const PROTOCOL = new Set([
  'query',
  'query_id',
  'database',
  'default_format',
  'user',
  'password',
  'session_id',
  'session_timeout',
  'session_check',
  'compress',
  'decompress',
  'enable_http_compression',
  'wait_end_of_query',
  'role',
]);

const INSERT = /^\s*INSERT\s+INTO\s+([`\w.]+)\s*(?:\(([^)]*)\))?\s*FORMAT\s+(\w+)\s*$/is;
const TRAILING_FORMAT = /\s+FORMAT\s+(\w+)\s*;?\s*$/i;
const INSERT_FORMATS = new Set([
  'JSONEachRow',
  'JSONCompactEachRow',
  'CSV',
  'CSVWithNames',
  'TSV',
  'TabSeparated',
]);

export function parseRequest(url: URL, body: Buffer): ParsedRequest {
  const viaParam = url.searchParams.get('query');
  const params: Record<string, string> = {};
  const settings: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (key.startsWith('param_')) params[key.slice(6)] = unescapeParam(value);
    else if (!PROTOCOL.has(key)) settings[key] = value;
  }
  // ClickHouse answers TabSeparated when neither the statement nor the request names a format.
  return {
    // Without a `query` parameter the statement is the body (and there is no insert payload).
    sql: viaParam ?? body.toString('utf8'),
    body: viaParam === null ? Buffer.alloc(0) : body,
    database: url.searchParams.get('database') ?? undefined,
    queryId: url.searchParams.get('query_id') ?? crypto.randomUUID(),
    params,
    settings,
    defaultFormat: url.searchParams.get('default_format') ?? 'TabSeparated',
  };
}

export function classify(request: ParsedRequest): Statement {
  const insert = INSERT.exec(request.sql);
  if (insert?.[1] && insert[3] && request.body.length > 0) {
    const format = insert[3];
    if (!INSERT_FORMATS.has(format)) throw unsupported(`insert format ${format}`);
    const columns = insert[2]
      ?.split(',')
      .map((c) => c.trim().replaceAll('`', ''))
      .filter((c) => c !== '');
    return {
      kind: 'insert',
      table: insert[1].replaceAll('`', ''),
      format: format as RawInsertFormat,
      columns,
    };
  }
  const format = TRAILING_FORMAT.exec(request.sql)?.[1] ?? request.defaultFormat;
  return { kind: 'query', sql: request.sql.replace(TRAILING_FORMAT, ''), format };
}

function unsupported(what: string): Error {
  return Object.assign(new Error(`${what} is not supported by the test double (NOT_IMPLEMENTED)`), {
    clickhouseCode: 48,
  });
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b', f: '\f' };

/** Query parameter values arrive in ClickHouse's Escaped text format (clickhouse-js escapes ' and \\). */
function unescapeParam(value: string): string {
  return value.replace(/\\(.)/gs, (_m, c: string) => ESCAPES[c] ?? c);
}
