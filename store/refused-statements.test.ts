// Which statements the read-only connection refuses before they run, read from the engine's own formatting
// of them (the endpoint's refusals run against the real engine in ingest/sql/sql.int.test.ts).
import { describe, expect, it } from 'vitest';
import { refusedStatement } from './refused-statements.ts';

describe('refusedStatement', () => {
  it.each([
    ["SELECT ename FROM events INTO OUTFILE '/tmp/x' TRUNCATE", /^INTO OUTFILE refused/],
    ["WITH 1 AS x SELECT x INTO OUTFILE '/tmp/w' AND STDOUT", /^INTO OUTFILE refused/],
    ["SELECT 1 UNION ALL SELECT 2 INTO OUTFILE '/tmp/u'", /^INTO OUTFILE refused/],
    ["DESCRIBE TABLE file('/etc/passwd', 'TSVWithNames')", /^DESCRIBE of a table function refused/],
    ["DESCRIBE TABLE url('http://x', 'JSONEachRow') SETTINGS a = 1", /^DESCRIBE of a table function/],
    ['KILL QUERY WHERE 1 SYNC', /^KILL refused/],
    ["SELECT file('/etc/shadow')", /^file\(\) refused/],
    ["SELECT length(file('/etc/shadow')) AS n", /^file\(\) refused/],
    ["SELECT * FROM file('/etc/passwd', 'LineAsString')", /^file\(\) refused/],
  ])('%s is refused', (formatted, why) => expect(refusedStatement(formatted)).toMatch(why));

  it.each([
    "SELECT 'INTO OUTFILE' AS s",
    "SELECT 'it\\'s INTO OUTFILE \\' INTO OUTFILE' AS s",
    'SELECT 1 AS `into outfile`',
    'SELECT 1 AS "INTO OUTFILE"',
    'SELECT count() FROM events',
    'DESCRIBE TABLE events',
    'DESCRIBE TABLE tracker.events',
    "DESCRIBE TABLE (SELECT * FROM url('http://x', 'JSONEachRow'))",
    'DESCRIBE TABLE file',
    "SELECT 'KILL QUERY'",
    "SELECT 'file(' AS s, profile(1), `file` AS f",
    'SELECT events.file FROM events',
  ])('%s is left to the engine', (formatted) => expect(refusedStatement(formatted)).toBeUndefined());
});
