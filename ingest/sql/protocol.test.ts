// The SQL endpoint's request parsing and error shape, table-driven (the endpoint itself runs against the
// real engine in sql.int.test.ts).
import { describe, expect, it } from 'vitest';
import { describe as describeError, errorResponse, httpStatus } from './errors.ts';
import { contentType, outputFormat, parseSqlRequest, refuseUrlCredentials } from './protocol.ts';

const parse = (search: string, body = '', headers: Record<string, string> = {}) =>
  parseSqlRequest(new URL(`http://sql/?${search}`), Buffer.from(body), headers);

describe('parseSqlRequest', () => {
  it('takes the statement from the body, or `query`, or `query` then the body', () => {
    expect(parse('', 'SELECT 1').sql).toBe('SELECT 1');
    expect(parse('query=SELECT+2').sql).toBe('SELECT 2');
    expect(parse('query=SELECT', ' 3').sql).toBe('SELECT\n 3');
    expect(() => parse('', '  ')).toThrow(expect.objectContaining({ clickhouseCode: 62 }));
  });

  it('splits parameters, protocol and settings', () => {
    const r = parse(
      'param_name=a%5Ctb&param_n=5&database=system&default_format=JSON&query_id=q1&session_id=s&max_threads=1&enable_http_compression=1',
      'SELECT 1',
    );
    expect(r.params).toEqual({ name: 'a\tb', n: '5' });
    expect(r.settings).toEqual({ max_threads: '1' });
    expect([r.database, r.defaultFormat, r.queryId, r.compressResponse]).toEqual([
      'system',
      'JSON',
      'q1',
      true,
    ]);
  });

  it('reads database and format from the X-ClickHouse headers; TabSeparated and a fresh query id by default', () => {
    const r = parse('', 'SELECT 1', { 'x-clickhouse-database': 'tracker', 'x-clickhouse-format': 'CSV' });
    expect([r.database, r.defaultFormat]).toEqual(['tracker', 'CSV']);
    const d = parse('', 'SELECT 1');
    expect([d.database, d.defaultFormat]).toEqual([undefined, 'TabSeparated']);
    expect(d.queryId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['2', 2000],
    ['0.5', 500],
    ['0', undefined],
  ])('max_execution_time=%s is the client deadline (%s ms), not a setting', (value, ms) => {
    const r = parse(`max_execution_time=${value}`, 'SELECT 1');
    expect([r.timeoutMs, r.settings]).toEqual([ms, {}]);
  });

  it('refuses native block compression and a bad deadline', () => {
    expect(() => parse('compress=1', 'SELECT 1')).toThrow(expect.objectContaining({ clickhouseCode: 48 }));
    // Regression: the JDBC driver sends compress=1 by default, and the refusal did not name its remedy.
    expect(() => parse('compress=1', 'SELECT 1')).toThrow(
      /the JDBC driver asks for it unless told compress=false/,
    );
    expect(() => parse('decompress=1', 'SELECT 1')).toThrow(expect.objectContaining({ clickhouseCode: 48 }));
    expect(() => parse('max_execution_time=soon', 'SELECT 1')).toThrow(
      expect.objectContaining({ clickhouseCode: 72 }),
    );
  });

  it('refuses credentials in the URL', () => {
    for (const search of ['user=default', 'password=x', 'user=a&password=b']) {
      expect(() => refuseUrlCredentials(new URL(`http://sql/?${search}`))).toThrow(
        expect.objectContaining({ clickhouseCode: 516 }),
      );
    }
    expect(() => refuseUrlCredentials(new URL('http://sql/?query=SELECT+1'))).not.toThrow();
  });
});

describe('outputFormat and contentType', () => {
  it.each([
    ['SELECT 1', 'TabSeparated', 'TabSeparated'],
    ['SELECT 1 FORMAT JSONEachRow', 'TabSeparated', 'JSONEachRow'],
    ['SELECT 1 \nFORMAT JSON;', 'CSV', 'JSON'],
    ["SELECT 'FORMAT CSV' AS s", 'Native', 'Native'],
  ])('%j with default %s → %s', (sql, defaultFormat, expected) => {
    expect(outputFormat({ ...parse('', sql), defaultFormat })).toBe(expected);
  });

  it.each([
    ['JSONEachRow', 'application/x-ndjson; charset=UTF-8'],
    ['JSONCompact', 'application/json; charset=UTF-8'],
    ['TabSeparatedWithNames', 'text/tab-separated-values; charset=UTF-8'],
    ['CSV', 'text/csv; charset=UTF-8'],
    ['Native', 'application/octet-stream'],
    ['RowBinaryWithNamesAndTypes', 'application/octet-stream'],
    ['Pretty', 'text/plain; charset=UTF-8'],
  ])('%s is served as %s', (format, type) => expect(contentType(format)).toBe(type));
});

describe('errors in ClickHouse shape', () => {
  it('keeps the engine code, type and innermost message', () => {
    const chdb = Object.assign(
      new Error(
        "Code: 164. DB::Exception: Code: 164. DB::Exception: Cannot modify 'readonly' setting in readonly mode. (READONLY) (version 26.7.2.1). (READONLY)",
      ),
      { clickhouseCode: 164 },
    );
    expect(describeError(chdb)).toEqual({
      code: 164,
      type: 'READONLY',
      message: "Cannot modify 'readonly' setting in readonly mode",
    });
    const res = errorResponse(chdb, '26.7.2.1');
    expect(res.body).toBe(
      "Code: 164. DB::Exception: Cannot modify 'readonly' setting in readonly mode. (READONLY) (version 26.7.2.1)\n",
    );
    expect([res.status, res.headers['x-clickhouse-exception-code']]).toEqual([403, '164']);
  });

  it('hides an unexpected error behind an internal one', () => {
    const res = errorResponse(new TypeError('x is undefined'), 'v');
    expect([res.status, res.code, res.body]).toEqual([
      500,
      1001,
      'Code: 1001. DB::Exception: internal error. (STD_EXCEPTION) (version v)\n',
    ]);
  });

  it.each([
    [62, 400],
    [194, 401],
    [516, 403],
    [60, 404],
    [81, 404],
    [48, 501],
    [202, 503],
    [164, 403], // regression: a refused write was a 500, a server fault to retry
    [497, 403], // ACCESS_DENIED: the engine's lock on table functions, as ClickHouse answers it
    [396, 422], // regression: so was a result over sql.maxResultBytes
    [159, 500],
  ])('code %i → HTTP %i', (code, status) => expect(httpStatus(code)).toBe(status));

  it('asks for credentials with WWW-Authenticate and a full queue with Retry-After', () => {
    const err = (code: number) => Object.assign(new Error('x'), { clickhouseCode: code, type: 'T' });
    expect(errorResponse(err(194), 'v').headers['www-authenticate']).toMatch(/^Basic /);
    expect(errorResponse(err(202), 'v').headers['retry-after']).toBe('1');
  });
});
