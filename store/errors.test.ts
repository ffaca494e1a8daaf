import { describe, expect, it } from 'vitest';
import { clickhouseCode, insertErrorKind, storeRefusal } from './errors.ts';

/** An error as chdb reports one (the code only in the message). */
const chdb = (code: number, text: string) => new Error(`Code: ${code}. DB::Exception: ${text}`);
/** An error as @clickhouse/client reports one (the code as a string property). */
const client = (code: number, text: string) => Object.assign(new Error(text), { code: String(code) });

describe('what a failed insert says', () => {
  it.each([
    ['a value it cannot parse', chdb(27, 'Cannot parse input'), 'data'],
    ['an invalid date', client(41, 'Cannot read DateTime'), 'data'],
    ['a DateTime64 beyond its range', chdb(407, 'Decimal math overflow'), 'data'],
    ['an unknown column', chdb(117, 'Unknown field found while parsing JSONEachRow format: nope'), 'data'],
    [
      'out of file descriptors',
      chdb(76, 'Cannot open file /x/params.a.bin: , errno: 24, strerror: Too many open files'),
      'size',
    ],
    [
      'out of file descriptors, another code',
      chdb(573, 'Cannot open epoll descriptor: Too many open files'),
      'size',
    ],
    ['the memory limit', client(241, 'Memory limit (total) exceeded'), 'size'],
    [
      'too many partitions in one insert',
      chdb(252, 'Too many partitions for single INSERT block (more than 100)'),
      'size',
    ],
    ['merges behind inserts', chdb(252, 'Too many parts (3001) in partition 202612'), 'transient'],
    [
      'a file it cannot open for another reason',
      chdb(76, 'Cannot open file /x: Permission denied'),
      'transient',
    ],
    ['a full disk', chdb(243, 'Cannot reserve 1.00 MiB, not enough space'), 'transient'],
    ['a table not there yet', client(60, 'Table tracker.events does not exist'), 'transient'],
    // a misconfiguration keeps its rows in the spool until an operator fixes it: never dead-lettered
    ['wrong credentials', client(516, 'Authentication failed'), 'transient'],
    ['an unknown user (older servers)', client(192, 'Unknown user nobody'), 'transient'],
    ['a wrong password (older servers)', client(193, 'Wrong password for user default'), 'transient'],
    ['a password required', client(194, 'Password required for user default'), 'transient'],
    ['a missing grant', client(497, 'Not enough privileges'), 'transient'],
    ['no such database', chdb(81, 'Database tracker does not exist'), 'transient'],
    [
      'no answer at all',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      'transient',
    ],
    ["chdb's own timeout", Object.assign(new Error('timed out'), { code: 'CHDB_TIMEOUT' }), 'transient'],
    ['a code it does not know', chdb(49, 'Logical error'), 'unknown'],
  ])('%s: %s', (_what, err, kind) => {
    expect(insertErrorKind(err)).toBe(kind);
  });

  it('reads the code from either property or from the message', () => {
    expect(clickhouseCode(client(41, 'x'))).toBe(41);
    expect(clickhouseCode(Object.assign(new Error('x'), { clickhouseCode: 62 }))).toBe(62);
    expect(clickhouseCode(chdb(407, 'x'))).toBe(407);
    expect(clickhouseCode(new Error('socket hang up'))).toBeUndefined();
  });
});

describe('a store refusing the ingest for its configuration', () => {
  it.each([
    [client(516, 'Authentication failed'), 'credentials'],
    [client(192, 'Unknown user'), 'credentials'],
    [client(193, 'Wrong password'), 'credentials'],
    [client(194, 'Password required'), 'credentials'],
    [client(497, 'Not enough privileges'), 'permissions'],
    [chdb(60, 'Unknown table expression identifier'), 'schema'],
    [chdb(81, 'Database tracker does not exist'), 'schema'],
    [chdb(202, 'Too many simultaneous queries'), undefined],
    [chdb(62, 'Syntax error'), undefined],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), undefined],
  ])('%s: %s', (err, refusal) => {
    expect(storeRefusal(err)).toBe(refusal);
  });
});
