// Which statements write a file through INTO OUTFILE, read from the engine's own formatting of them (the
// endpoint's refusal itself runs against the real engine in ingest/sql/sql.int.test.ts).
import { describe, expect, it } from 'vitest';
import { writesAFile } from './reader.ts';

describe('writesAFile', () => {
  it.each([
    ["SELECT ename FROM events INTO OUTFILE '/tmp/x' TRUNCATE", true],
    ["WITH 1 AS x SELECT x INTO OUTFILE '/tmp/w' AND STDOUT", true],
    ["SELECT 1 UNION ALL SELECT 2 INTO OUTFILE '/tmp/u'", true],
    ["SELECT 'INTO OUTFILE' AS s", false],
    ["SELECT 'it''s INTO OUTFILE \\' INTO OUTFILE' AS s", false],
    ['SELECT 1 AS `into outfile`', false],
    ['SELECT 1 AS "INTO OUTFILE"', false],
    ['SELECT count() FROM events', false],
  ])('%s → %s', (formatted, writes) => expect(writesAFile(formatted)).toBe(writes));
});
