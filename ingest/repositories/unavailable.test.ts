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

  // A statement the engine refuses is a bug to see as one (500), not a reason to retry for ever.
  it('a statement the engine refuses stays as it was thrown', () => {
    const syntax = Object.assign(new Error('Syntax error'), { clickhouseCode: 62 });
    expect(storeUnavailable(syntax, 'x')).toBe(syntax);
  });
});
