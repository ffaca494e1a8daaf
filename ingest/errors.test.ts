import { describe, expect, it } from 'vitest';
import { type ErrorCode, errors, IngestError, mapError } from './errors.ts';

describe('the error catalogue', () => {
  it.each(Object.entries(errors) as [ErrorCode, (typeof errors)[ErrorCode]][])(
    '%s answers its status and Retry-After',
    (code, spec) => {
      const m = mapError(new IngestError(code));
      expect(m.status).toBe(spec.status);
      expect(m.body).toEqual({ error: code, message: spec.message });
      expect(m.retryAfterS).toBe('retryAfterS' in spec ? spec.retryAfterS : undefined);
    },
  );

  it('takes a thrower’s Retry-After over the catalogue’s, rounded up to whole seconds', () => {
    expect(mapError(new IngestError('RATE_LIMITED', 'slow down', { retryAfterS: 30 })).retryAfterS).toBe(30);
    expect(mapError(new IngestError('OVERLOADED', 'spool full', { retryAfterS: 2.5 })).retryAfterS).toBe(3);
  });
});

describe('mapError', () => {
  it.each([
    [new IngestError('NOT_FOUND', 'no such link'), 404, 'NOT_FOUND', 'no such link'],
    [
      Object.assign(new Error('too big'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }),
      413,
      'BODY_TOO_LARGE',
      'too big',
    ],
    [
      Object.assign(new Error('bad json'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }),
      400,
      'BAD_REQUEST',
      'bad json',
    ],
    [Object.assign(new Error('x'), { validation: [] }), 400, 'BAD_REQUEST', 'x'],
    [Object.assign(new Error('slow'), { statusCode: 408 }), 408, 'BAD_REQUEST', 'slow'],
  ])('%s → %i %s', (err, status, code, message) => {
    const m = mapError(err);
    expect(m.status).toBe(status);
    expect(m.body).toEqual({ error: code, message });
    expect(m.retryAfterS).toBeUndefined();
  });

  it('never leaks internal error text (a raw database error in a response)', () => {
    const internal = { status: 500, body: { error: 'INTERNAL', message: 'internal error' } };
    expect(mapError(new Error('sql: no rows in result set at /srv/secret.go:12'))).toEqual(internal);
    expect(mapError(new IngestError('INTERNAL', 'no table nope in the schema'))).toEqual(internal);
    expect(mapError('string thrown')).toEqual(internal);
    expect(mapError(null)).toEqual(internal);
  });

  it('reads Retry-After only from the catalogue’s errors, under one spelling', () => {
    const lookalike = Object.assign(new Error('spool full'), { code: 'OVERLOADED', retryAfterMs: 2500 });
    expect(mapError(lookalike)).toEqual({
      status: 500,
      body: { error: 'INTERNAL', message: 'internal error' },
    });
  });
});
