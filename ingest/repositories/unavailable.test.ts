import { describe, expect, it } from 'vitest';
import { IngestError } from '../errors.ts';
import { storeUnavailable } from './unavailable.ts';

describe('storeUnavailable', () => {
  it('a store that never answered is OVERLOADED, the message as given and the cause kept', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:8123'), { code: 'ECONNREFUSED' });
    const err = storeUnavailable(refused, 'short links could not be read; retry later');
    expect(err).toBeInstanceOf(IngestError);
    expect(err).toMatchObject({ code: 'OVERLOADED', statusCode: 503, retryAfterS: 1, cause: refused });
    expect((err as Error).message).toBe('short links could not be read; retry later');
  });

  it('a store too busy to take the read (TOO_MANY_SIMULTANEOUS_QUERIES) is OVERLOADED', () => {
    const busy = Object.assign(new Error('Too many simultaneous queries'), { clickhouseCode: 202 });
    expect(storeUnavailable(busy, 'x')).toMatchObject({ code: 'OVERLOADED' });
  });

  // The shapes measured: @clickhouse/client's (code as a string, type) against a server refusing the
  // password; chdb's (clickhouseCode, the code in the message) reading a table that is not there.
  it.each([
    [
      'a wrong password',
      Object.assign(new Error('default: Authentication failed: password is incorrect'), {
        code: '516',
        type: 'AUTHENTICATION_FAILED',
      }),
      'credentials',
    ],
    [
      'an unknown user (older servers)',
      Object.assign(new Error('Unknown user nobody'), { code: '192' }),
      'credentials',
    ],
    [
      'a wrong password (older servers)',
      Object.assign(new Error('Wrong password for user default'), { code: '193' }),
      'credentials',
    ],
    ['a missing grant', Object.assign(new Error('Not enough privileges'), { code: '497' }), 'permissions'],
    [
      'a missing table (chdb)',
      Object.assign(new Error("Code: 60. DB::Exception: Unknown table expression identifier 'links'"), {
        clickhouseCode: 60,
        code: 'CHDB_QUERY',
      }),
      'schema',
    ],
    [
      'a missing database',
      Object.assign(new Error('Database tracker does not exist.'), { code: '81', type: 'UNKNOWN_DATABASE' }),
      'schema',
    ],
  ])(
    'a store refusing the ingest (%s) is STORE_REFUSED, a 500 without Retry-After',
    (_what, cause, refusal) => {
      const err = storeUnavailable(cause, 'short links could not be read; retry later', 'short links');
      expect(err).toMatchObject({ code: 'STORE_REFUSED', statusCode: 500, retryAfterS: undefined, cause });
      expect((err as IngestError).details).toEqual({ refusal });
      expect((err as Error).message).toMatch(/^short links could not be read: the store/);
      expect((err as Error).message).not.toContain('retry later');
    },
  );

  // A statement the engine refuses is a bug to see as one (500), not a reason to retry for ever.
  it('a statement the engine refuses stays as it was thrown', () => {
    const syntax = Object.assign(new Error('Syntax error'), { clickhouseCode: 62 });
    expect(storeUnavailable(syntax, 'x')).toBe(syntax);
  });
});
