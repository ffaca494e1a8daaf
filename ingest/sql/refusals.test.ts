// The engine's refusals on the SQL endpoint, with the reason spelt out: the engine said only "Cannot
// execute query in readonly mode" or "Limit for result exceeded", not that the endpoint is read-only by
// design nor which of the ingest's settings set the limit.
import { describe, expect, it } from 'vitest';
import { errorResponse } from './errors.ts';
import { explainRefusal, statementKind } from './refusals.ts';

const engine = (code: number, type: string, message: string) =>
  Object.assign(new Error(`Code: ${code}. DB::Exception: ${message}. (${type}) (version 26.7.2.1)`), {
    clickhouseCode: code,
  });

const READONLY = engine(164, 'READONLY', 'default: Cannot execute query in readonly mode');

describe('statementKind', () => {
  it.each([
    ["INSERT INTO events (ename) VALUES ('x')", 'INSERT'],
    ['  -- a comment\n/* another */ drop table events', 'DROP'],
    ['(SELECT 1) UNION ALL (SELECT 2)', 'SELECT'],
    ['# hash comment\nALTER TABLE t DELETE WHERE 1', 'ALTER'],
    ['', undefined],
  ])('%j → %s', (sql, kind) => expect(statementKind(sql)).toBe(kind));
});

describe('explainRefusal', () => {
  it.each([
    ["INSERT INTO events (ename) VALUES ('x')", /INSERT refused, the ingest's SQL endpoint is read-only/],
    ['DROP TABLE events', /DROP refused, the ingest's SQL endpoint is read-only \(it runs SELECT/],
    [
      "SELECT * FROM file('/etc/passwd')",
      /this SELECT uses a table function the read-only SQL endpoint refuses/,
    ],
  ])('names what was refused and why: %s', (sql, reason) => {
    const res = errorResponse(explainRefusal(READONLY, sql), '26.7.2.1');
    expect([res.status, res.code]).toEqual([403, 164]);
    expect(res.body).toMatch(/^Code: 164\. DB::Exception: default: Cannot execute query in readonly mode: /);
    expect(res.body).toMatch(reason);
    expect(res.body).toMatch(/\(READONLY\) \(version 26\.7\.2\.1\)\n$/);
  });

  it('names a table function the engine refused for want of a grant (its lock beneath the list), 403', () => {
    const err = engine(
      497,
      'ACCESS_DENIED',
      "default: Not enough privileges. To execute this query, it's necessary to have the grant READ ON URL",
    );
    const res = errorResponse(explainRefusal(err, "DESCRIBE url('http://x/', 'CSV')"), 'v');
    expect([res.status, res.code]).toEqual([403, 497]);
    expect(res.body).toMatch(
      /grant READ ON URL: this DESCRIBE uses a table function the read-only SQL endpoint refuses .*\(ACCESS_DENIED\)/,
    );
  });

  it('says a setting is accepted only at its value', () => {
    const err = engine(164, 'READONLY', "Cannot modify 'max_result_bytes' setting in readonly mode");
    const res = errorResponse(explainRefusal(err, 'SELECT 1'), 'v');
    expect(res.body).toMatch(
      /'max_result_bytes' setting in readonly mode: .*accepted only at the value it has/,
    );
  });

  it('names the setting a result exceeded and answers 422', () => {
    const err = engine(
      396,
      'TOO_MANY_ROWS_OR_BYTES',
      'Limit for result exceeded, max bytes: 1.00 MiB, current bytes: 1.38 MiB',
    );
    const res = errorResponse(explainRefusal(err, 'SELECT * FROM numbers(1e7)'), 'v');
    expect(res.status).toBe(422);
    expect(res.body).toBe(
      'Code: 396. DB::Exception: Limit for result exceeded, max bytes: 1.00 MiB, current bytes: 1.38 MiB: the result is larger than the SQL endpoint allows (sql.maxResultBytes); aggregate, select fewer columns or add a LIMIT. (TOO_MANY_ROWS_OR_BYTES) (version v)\n',
    );
  });

  it('leaves every other error as it was', () => {
    const err = engine(62, 'SYNTAX_ERROR', 'Syntax error');
    expect(explainRefusal(err, 'SELEC 1')).toBe(err);
  });
});

describe('explainRefusal: the limits of one read', () => {
  // Regression: a read over sql.maxMemoryBytes was a 500, and no message named the setting.
  it('names sql.maxMemoryBytes and answers 422 when one read needs too much memory', () => {
    const err = engine(
      241,
      'MEMORY_LIMIT_EXCEEDED',
      'Query memory limit exceeded: would use 1.50 GiB (attempt to allocate chunk of 1.00 GiB), maximum: 1.00 GiB',
    );
    const res = errorResponse(explainRefusal(err, 'SELECT groupArray(number) FROM numbers(2e8)'), 'v');
    expect([res.status, res.code]).toEqual([422, 241]);
    expect(res.body).toMatch(/maximum: 1\.00 GiB: the read needs more memory .*\(sql\.maxMemoryBytes\)/);
  });

  it("leaves the engine's total memory running out a server fault (500)", () => {
    const err = engine(241, 'MEMORY_LIMIT_EXCEEDED', 'Memory limit (total) exceeded: would use 3.5 GiB');
    expect(errorResponse(explainRefusal(err, 'SELECT 1'), 'v').status).toBe(500);
  });

  it.each([
    ['Timeout exceeded: elapsed 30000.284 ms, maximum: 30000 ms', /\(sql\.maxExecutionTimeS\)/],
    [
      'Timeout exceeded: Query timed out after 1000ms',
      /the client's own deadline \(its max_execution_time\)/,
    ],
  ])('names which deadline stopped a read: %s', (message, which) => {
    const res = errorResponse(explainRefusal(engine(159, 'TIMEOUT_EXCEEDED', message), 'SELECT 1'), 'v');
    expect(res.body).toMatch(which);
  });
});
