import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../schema/catalog.ts';
import { isIngestError } from '../errors.ts';
import { compileCheck, compileValidator } from './validate.ts';

describe('compileCheck', () => {
  it.each([
    ['String', 'x', true],
    ['String', 1, false],
    ['LowCardinality(String)', 'x', true],
    ['UUID', '018f0000-0000-7000-8000-000000000001', true],
    ['UUID', 'not-a-uuid', false],
    ['Int32', 2 ** 31, false],
    ['Int32', -(2 ** 31), true],
    ['UInt8', -1, false],
    ['Int64', '9223372036854775807', true],
    ['Int64', 1.5, false],
    ['Float64', Number.NaN, false],
    ['Float64', 1.5, true],
    ['Bool', true, true],
    ['Date', '2026-01-02', true],
    ['Date', '2026-01-02T00:00:00Z', false],
    ["DateTime64(3, 'UTC')", '2026-01-02T03:04:05.678Z', true],
    ["DateTime64(3, 'UTC')", '2026-01-02 03:04:05', true],
    ["DateTime64(3, 'UTC')", 1_700_000_000, false],
    ['JSON', { a: [1] }, true],
    ['JSON', [1], false],
    ['Array(UUID)', ['018f0000-0000-7000-8000-000000000001'], true],
    ['Array(UUID)', ['x'], false],
    ['Nullable(String)', null, true],
  ])('%s accepts %j: %s', (type, value, ok) => {
    expect(compileCheck(type)(value) === undefined).toBe(ok);
  });
});

describe('compileValidator', () => {
  const events = compileValidator(buildCatalog().get('events')!);

  it('serialises valid rows as JSON lines', () => {
    const lines = events([{ eid: '018f0000-0000-7000-8000-000000000001', ename: 'view' }, { url: '/a' }]);
    expect(lines.toString()).toBe(
      '{"eid":"018f0000-0000-7000-8000-000000000001","ename":"view"}\n{"url":"/a"}\n',
    );
  });

  it.each([
    [{ nope: 1 }, 'nope', /unknown column/],
    [{ vid: 'x' }, 'vid', /UUID/],
    [{ created_at: 1 }, 'created_at', /date-time/],
  ])('refuses %j naming the column', (row, column, message) => {
    const err = (() => {
      try {
        events([{}, row]);
      } catch (e) {
        return e;
      }
    })();
    expect(isIngestError(err, 'INVALID_EVENT')).toBe(true);
    expect((err as Error).message).toMatch(message);
    expect((err as { details: unknown }).details).toMatchObject({ table: 'events', row: 1, column });
  });
});
