import { describe, expect, it } from 'vitest';
import { isUuid, newId, stableId } from './ids.ts';

// What crypto.randomUUID answers: lower-case hex, version 4, the RFC 9562 variant.
const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newId', () => {
  it('answers distinct version-4 UUIDs across several fills of its random pool', () => {
    const ids = Array.from({ length: 2000 }, newId);
    for (const id of ids) expect(id).toMatch(V4);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives every hex digit a place outside the fixed version and variant bits', () => {
    // 2,000 ids of random bits: every digit shows up in every free position of some id
    const ids = Array.from({ length: 2000 }, newId);
    for (const at of [0, 9, 15, 20, 35]) expect(new Set(ids.map((id) => id[at])).size).toBe(16);
    expect(new Set(ids.map((id) => id[19]))).toEqual(new Set(['8', '9', 'a', 'b']));
  });
});

describe('ids', () => {
  it('stableId is deterministic and a UUID', () => {
    expect(stableId('a', 'b')).toBe(stableId('a', 'b'));
    expect(stableId('a', 'b')).not.toBe(stableId('ab', ''));
    expect(isUuid(stableId('x'))).toBe(true);
  });
});
