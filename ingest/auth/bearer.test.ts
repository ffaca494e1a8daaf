// The one reader of `Authorization: Bearer <api key>`: the scheme's case, the spaces around the key, and
// every way a Bearer header can carry no usable key.
import { describe, expect, it } from 'vitest';
import { IngestError } from '../errors.ts';
import { bearerKey, MAX_KEY_LENGTH } from './bearer.ts';

const KEY = 'a1b2c3d4e5f6.Zm9vYmFyYmF6cXV4';

describe('bearerKey', () => {
  it.each([
    ['Bearer', `Bearer ${KEY}`, KEY],
    ['lower-case scheme', `bearer ${KEY}`, KEY],
    ['upper-case scheme', `BEARER ${KEY}`, KEY],
    ['mixed-case scheme', `bEaReR ${KEY}`, KEY],
    ['several spaces', `Bearer    ${KEY}`, KEY],
    ['a tab', `Bearer\t${KEY}`, KEY],
    ['spaces around the value', `  Bearer ${KEY}  `, KEY],
    ['base64 padding', `Bearer ${KEY}==`, `${KEY}==`],
  ])('reads the key: %s', (_case, header, key) => {
    expect(bearerKey(header)).toBe(key);
  });

  it('accepts a key of exactly the maximum length', () => {
    const key = 'k'.repeat(MAX_KEY_LENGTH);
    expect(bearerKey(`Bearer ${key}`)).toBe(key);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['only spaces', '   '],
    ['another scheme (a dashboard login)', 'Basic ZGVmYXVsdDpwdw=='],
    ['a scheme that only starts like Bearer', `Bearerx ${KEY}`],
    ['a key without a scheme', KEY],
  ])('is no API key: %s', (_case, header) => {
    expect(bearerKey(header)).toBeUndefined();
  });

  it.each([
    ['the scheme alone', 'Bearer'],
    ['the scheme and spaces', 'Bearer   '],
    ['two words', `Bearer ${KEY} extra`],
    ['a key too long', `Bearer ${'k'.repeat(MAX_KEY_LENGTH + 1)}`],
    ['a control character', `Bearer ${KEY}\u0001`],
    ['a non-ASCII key', 'Bearer clé.secrète'],
  ])('refuses a Bearer header without a usable key: %s', (_case, header) => {
    let thrown: unknown;
    try {
      bearerKey(header);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(IngestError);
    expect(thrown).toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
