// The values at and beyond the edges of each column type: what the engine stores differently from what a
// client meant, or refuses after the ingest acknowledged it. The engine-agreement test inserts each of
// them for every column type (what the validator accepts must be stored), and the generators of
// arbitraries.ts mix them into generated rows.

const nest = (levels: number, wrap: (v: unknown) => unknown): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = wrap(v);
  return v;
};

const STRING = [
  '',
  'a\u0000b',
  '\ud83d',
  'x\udc00y',
  '\uffff',
  '😀',
  '\\"\'`',
  '\n\r\t\b\f',
  'é'.repeat(5000),
  42,
  true,
];
const UUID = [
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
  '018f0000-0000-7000-8000-000000000001',
  '',
  '{018f0000-0000-7000-8000-000000000001}',
  'not-a-uuid',
];
const FLOAT = [
  0,
  -0,
  1e308,
  -1e308,
  5e-324,
  2 ** 64,
  -(2 ** 63),
  0.1,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  '1.5',
];
const BOOL = [true, false, 'true', 1, 0];
const DATE = [
  '1970-01-01',
  '1969-12-31',
  '2149-06-06',
  '2149-06-07',
  '2024-02-29',
  '2023-02-29',
  '2024-02-30',
  '0000-00-00',
  '2024-13-01',
];
const DATETIME = [
  '1900-01-01 00:00:00',
  '1899-12-31 23:59:59.999',
  '1970-01-01 00:00:00',
  '2106-02-07 06:28:16',
  '2262-04-11 23:47:16.853',
  '2262-04-11 23:47:17',
  '2299-12-31 23:59:59.999',
  '2300-01-01 00:00:00',
  '9999-12-31 23:59:59',
  '0000-01-01 00:00:00',
  '2024-02-30 00:00:00',
  '2024-02-29 24:00:00',
  '2024-01-01 23:59:60',
  '2024-01-01T00:00:00Z',
  '2024-01-01T00:00:00+14:00',
  '2024-01-01T00:00:00+99:99',
  '2024-01-01T00:00:00-2359',
  '2024-01-01 00:00:00.123456789',
  new Date(0),
  new Date(8.64e15),
  new Date(-8.64e15),
  new Date(Date.UTC(1850, 0, 1)),
  1_700_000_000,
];
const JSON_VALUES = [
  {},
  { '': 1 },
  { '.': 1, 'a..b': 2 },
  { a: [[], [{}], [1, 'a', null, [true]]] },
  { 'a.b': 1, a: { b: 2 } },
  { a: { b: 2 }, 'a.b': 1 },
  { 'k\ud800': 1, 'k\udc00': 2 },
  { x: 2 ** 64, y: -(2 ** 63), z: 1e308, w: 2 ** 53 + 2 },
  { '\u0000': '\u0000' },
  { x: nest(30, (v) => [v]) },
  { x: nest(30, (v) => [{ a: v }]) },
  Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`k${i}`, [{ [`n${i}`]: i }]])),
  JSON.parse('{"__proto__":{"x":1}}'),
  [],
  [1],
  'x',
];

function integers(type: string): unknown[] | undefined {
  const m = /^(U?)Int(8|16|32|64)$/.exec(type);
  if (m === null) return undefined;
  const bits = BigInt(m[2] as string);
  const lo = m[1] === 'U' ? 0n : -(2n ** (bits - 1n));
  const hi = m[1] === 'U' ? 2n ** bits - 1n : 2n ** (bits - 1n) - 1n;
  return [
    lo,
    hi,
    lo - 1n,
    hi + 1n,
    Number(lo),
    Number(hi),
    String(lo),
    String(hi),
    '-0',
    '007',
    '+1',
    ' 1',
    1.5,
    -0,
    2 ** 53,
    2 ** 62,
    -(2 ** 63),
    2 ** 64,
    1e20,
    Number.NaN,
    true,
  ];
}

/** The edge values of a column type (ClickHouse's spelling, as the catalog has it). */
export function edgeValues(type: string): unknown[] {
  const inner = /^(LowCardinality|Nullable|Array)\((.*)\)$/.exec(type);
  if (inner?.[1] === 'Array') {
    const element = edgeValues(inner[2] ?? '');
    return [[], element.slice(0, 4), element.slice(4, 8), 'x', [[]]];
  }
  if (inner !== null) return edgeValues(inner[2] ?? '');
  const base = type.replace(/\(.*$/, '');
  const ints = integers(base);
  if (ints) return ints;
  if (base.startsWith('DateTime')) return DATETIME;
  return (
    { String: STRING, UUID, Float32: FLOAT, Float64: FLOAT, Bool: BOOL, Date: DATE, JSON: JSON_VALUES }[
      base
    ] ?? STRING
  );
}

/** The edge values of the column a ReplacingMergeTree reads as its is_deleted flag. */
export const FLAG_VALUES: readonly unknown[] = [0, 1, 2, -1, '1', 255, true];
