import { describe, expect, it } from 'vitest';
import { IngestError, mapError } from './errors.ts';

describe('mapError', () => {
  it.each([
    [new IngestError('RATE_LIMITED', 'slow down', { retryAfterS: 30 }), 429, 'RATE_LIMITED', 30],
    [new IngestError('NOT_FOUND', 'no such link'), 404, 'NOT_FOUND', undefined],
    [
      Object.assign(new Error('too big'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }),
      413,
      'BODY_TOO_LARGE',
      undefined,
    ],
    [
      Object.assign(new Error('bad json'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }),
      400,
      'BAD_REQUEST',
      undefined,
    ],
    [
      Object.assign(new Error('spool full'), { code: 'OVERLOADED', retryAfterMs: 2500 }),
      503,
      'OVERLOADED',
      3,
    ],
    [Object.assign(new Error('bad row'), { code: 'ROW_INVALID' }), 400, 'INVALID_EVENT', undefined],
    [Object.assign(new Error('x'), { validation: [] }), 400, 'BAD_REQUEST', undefined],
  ])('%s → %i %s', (err, status, code, retry) => {
    const m = mapError(err);
    expect(m.status).toBe(status);
    expect(m.body.error).toBe(code);
    expect(m.retryAfterS).toBe(retry);
  });

  it('never leaks internal error text (seed bug 13/21: raw DB errors in responses)', () => {
    const m = mapError(new Error('sql: no rows in result set at /srv/secret.go:12'));
    expect(m).toEqual({ status: 500, body: { error: 'INTERNAL', message: 'internal error' } });
    expect(mapError('string thrown').status).toBe(500);
    expect(mapError(null).status).toBe(500);
  });
});
