import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../schema/catalog.ts';
import { isIngestError } from '../errors.ts';
import { compileCheck, compileValidator, MAX_ROW_BYTES } from './validate.ts';

describe('compileCheck', () => {
  it.each([
    ['String', 'x', true],
    ['String', 1, false],
    ['LowCardinality(String)', 'x', true],
    ['UUID', '018f0000-0000-7000-8000-000000000001', true],
    ['UUID', 'not-a-uuid', false],
    // the check remembers the last UUID it accepted, and began with the empty string as if accepted
    ['UUID', '', false],
    ['UUID', '018F0000-ABCD-7000-8000-00000000000F', true],
    ['UUID', '018f0000-0000-7000-8000-00000000000g', false],
    ['UUID', '018f0000-0000-7000-8000-0000000000001', false],
    ['UUID', '018f00000-000-7000-8000-000000000001', false],
    ['UUID', '018f0000-0000-7000-8000-00000000000-', false],
    // a character beyond ASCII whose low byte is a hex digit
    ['UUID', '018f0000-0000-7000-8000-00000000000\u0161', false],
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
    // what the engine would roll over, guess or overflow on instead of refusing
    ['Date', '2024-02-29', true],
    ['Date', '2023-02-29', false],
    ['Date', '1969-12-31', false],
    ['Date', '2149-06-06', true],
    ['Date', '2149-06-07', false],
    ["DateTime64(3, 'UTC')", '2024-02-30 00:00:00', false],
    ["DateTime64(3, 'UTC')", '2024-13-01 00:00:00', false],
    ["DateTime64(3, 'UTC')", '2024-01-01 24:00:00', false],
    ["DateTime64(3, 'UTC')", '0000-01-01 00:00:00', false],
    ["DateTime64(3, 'UTC')", '1899-12-31 23:59:59', false],
    ["DateTime64(3, 'UTC')", '2299-12-31 23:59:59.999', true],
    ["DateTime64(3, 'UTC')", '2300-01-01 00:00:00', false],
    ["DateTime64(3, 'UTC')", '2024-01-01T00:00:00+14:00', true],
    ["DateTime64(3, 'UTC')", '2024-01-01T00:00:00+99:99', false],
    ["DateTime64(3, 'UTC')", new Date(0), true],
    ["DateTime64(3, 'UTC')", new Date(8.64e15), false],
    ["DateTime64(9, 'UTC')", '2262-04-11 23:47:16.853', true],
    ["DateTime64(9, 'UTC')", '2262-04-11 23:47:17', false],
    ["DateTime64(9, 'UTC')", '2299-12-31 23:59:59', false],
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

  it('writes rows of any size and script whole, one line each, batch after batch', () => {
    // lines are assembled in a reused buffer: batches past its size, multi-byte text and a batch after a
    // larger one must each come out as exactly their own lines
    const wide = (n: number, text: string) =>
      Array.from({ length: n }, (_, i) => ({ ename: `e${i}`, url: text.repeat(3000 + i) }));
    for (const rows of [wide(100, 'ü€😀'), wide(2, 'a'), wide(40, '\u{10FFFF}x'), [{ url: '' }]]) {
      const expected = rows.map((row) => `${JSON.stringify(row)}\n`).join('');
      expect(events(rows).equals(Buffer.from(expected))).toBe(true);
    }
  });

  it('writes integers with their exact digits: the engine refuses exponent form and "-0" in integer columns', () => {
    const line = (row: Record<string, unknown>) => events([row]).toString().trim();
    expect(line({ cflags: 2 ** 62 })).toBe('{"cflags":4611686018427387904}');
    expect(line({ cflags: -(2 ** 63) })).toBe('{"cflags":-9223372036854775808}');
    expect(line({ cflags: '-0', ver: '007' })).toBe('{"cflags":"0","ver":"7"}');
    expect(line({ cflags: 12n })).toBe('{"cflags":"12"}');
  });

  it('checks each time column of a row, though columns of one type share the last accepted text', () => {
    const at = '2026-01-02 03:04:05.678';
    expect(events([{ created_at: at, received_at: at }]).toString()).toBe(
      `{"created_at":"${at}","received_at":"${at}"}\n`,
    );
    expect(() => events([{ created_at: at, received_at: '2026-02-30 00:00:00' }])).toThrow(
      /events\.received_at: expected an ISO 8601 date-time/,
    );
    expect(() => events([{ created_at: '2026-02-30 00:00:00', received_at: at }])).toThrow(
      /events\.created_at: expected an ISO 8601 date-time/,
    );
  });

  it('takes only 0 or 1 in the column a ReplacingMergeTree reads as its deleted flag', () => {
    const redirects = compileValidator(buildCatalog().get('redirects')!);
    expect(redirects([{ deleted: 1 }, { deleted: 0 }]).toString()).toBe('{"deleted":1}\n{"deleted":0}\n');
    expect(() => redirects([{ deleted: 2 }])).toThrow(/redirects\.deleted: out of range \[0, 1\]/);
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

  it('measures the row limit in UTF-8 bytes, not UTF-16 code units', () => {
    // 3 bytes per character: under the limit in string length, 1.5 times over it in bytes
    const cjk = '\u6f22'.repeat(Math.ceil(MAX_ROW_BYTES / 2));
    expect(() => events([{ url: cjk }])).toThrow(/row 0: events: larger than 1048576 bytes/);
    const fits = '\u6f22'.repeat(Math.floor(MAX_ROW_BYTES / 3) - 20);
    expect(events([{ url: fits }]).length).toBeLessThanOrEqual(MAX_ROW_BYTES + 1);
  });
});
