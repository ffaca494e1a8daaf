// Generators (fast-check) of what clients send and of what each column type of the schema may be given:
// the property tests that hold the ingest and the engine to the same rules draw from here. Values are
// mostly well-formed, with the inputs that were acknowledged and then refused by the engine mixed in:
// lone surrogates, NUL bytes, dotted keys colliding with nested paths, deep and wide objects, integers
// beyond 53 and 64 bits, impossible dates, times beyond what a column holds.
import fc from 'fast-check';
import type { Column } from '../../schema/index.ts';
import { MAX_JSON_DEPTH } from '../datapath/index.ts';
import { CLIENT_TIME_KEYS, EVENT_FIELDS } from '../model/fields.ts';
import { edgeValues, FLAG_VALUES } from './edge-values.ts';

const nasty = fc.constantFrom(
  '\ud83d',
  '\udc00',
  'buy now \ud83d',
  'a\u0000b',
  '\u0000',
  '',
  '.',
  'a..b',
  '😀',
  '\uffff',
  '\\"\'`',
  '\n\r\t',
);
export const text = fc.oneof(fc.string({ maxLength: 30, unit: 'binary' }), nasty);

/** Keys of a raw event: anything, and the names the ingest gives a meaning to. */
export const key = fc.oneof(
  text,
  fc.constantFrom('page.title', 'page', 'a.b.c', 'url', 'vid', 'cflags', 'lat', 'ename', 'tz', 'params'),
  fc.constantFrom(...Object.keys(EVENT_FIELDS), ...CLIENT_TIME_KEYS, 'email', 'cell', 'uname', 'w', 'h'),
);

const hugeNumber = fc.constantFrom(
  2 ** 64,
  -(2 ** 63),
  -(2 ** 64),
  2 ** 62,
  Number.MAX_SAFE_INTEGER * 3,
  1e300,
  -1e-300,
  2 ** 53 + 2,
  0.1,
);
/** Strings that look like what a typed column holds: the ingest may route them there. */
const typedText = fc.oneof(
  fc.uuid().map((u) => (u.length % 2 === 0 ? u : u.toUpperCase())),
  fc.bigInt({ min: -(2n ** 65n), max: 2n ** 65n }).map(String),
  fc.constantFrom('-0', '007', '1e3', ' 42 ', 'NaN', 'Infinity', '2024-02-30', '9999999999999999'),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('https://shop.example/p?utm_source=News&gclid=x%00y', 'us', 'Europe/Berlin', '{"a":1}'),
);
export const leaf = fc.oneof(
  text,
  typedText,
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  hugeNumber,
);

export const value: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5, noNullPrototype: true }),
  ),
})).value;

/**
 * A value nested `levels` deep inside an event inside the batch array (so 3 levels are the envelope);
 * rarely beyond the limit: such a batch must be a clean 400.
 */
const levels = fc.oneof(
  { weight: 19, arbitrary: fc.integer({ min: 1, max: MAX_JSON_DEPTH - 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: MAX_JSON_DEPTH - 2, max: MAX_JSON_DEPTH + 8 }) },
);
export const deep = levels.map((levels) => {
  let v: unknown = 'bottom';
  for (let i = 0; i < levels; i++) v = i % 2 === 0 ? { d: v } : [v];
  return v;
});
export const wide = fc
  .integer({ min: 50, max: 400 })
  .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])));
export const colliding = fc
  .tuple(text, text, leaf, leaf)
  .map(([a, b, x, y]) => ({ [`${a}.${b}`]: x, [a]: { [b]: y } }));

/** One raw event as a client sends it (an element of a batch body). */
export const event = fc
  .record({
    ename: fc.oneof(text, fc.constantFrom('view', 'click')),
    params: fc.oneof(value, colliding, fc.constant(undefined)),
    extra: fc.dictionary(key, value, { maxKeys: 6, noNullPrototype: true }),
    shape: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, deep, wide, colliding),
  })
  .map(({ ename, params, extra, shape }) => ({
    ...extra,
    ename,
    params,
    ...(shape === undefined ? {} : { shape }),
  }));

/** Mostly what the type holds, sometimes anything: the validator must refuse what the engine would. */
const mostly = (valid: fc.Arbitrary<unknown>, adversarial: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 6, arbitrary: valid },
    { weight: 2, arbitrary: adversarial },
    { weight: 1, arbitrary: leaf },
  );

const INT_BITS: Record<string, [boolean, number]> = {
  Int8: [true, 8],
  Int16: [true, 16],
  Int32: [true, 32],
  Int64: [true, 64],
  UInt8: [false, 8],
  UInt16: [false, 16],
  UInt32: [false, 32],
  UInt64: [false, 64],
};

function integer(signed: boolean, bits: number): fc.Arbitrary<unknown> {
  const lo = signed ? -(2n ** BigInt(bits - 1)) : 0n;
  const hi = signed ? 2n ** BigInt(bits - 1) - 1n : 2n ** BigInt(bits) - 1n;
  const n = fc.bigInt({ min: lo - 2n, max: hi + 2n });
  return fc.oneof(n.map(Number), n.map(String), n);
}

/** Instants from before 1000 to after 10000, written as ClickHouse text or ISO 8601 with an offset. */
const instant = fc.date({ min: new Date(-3e13), max: new Date(3e14), noInvalidDate: true });
const offset = fc.tuple(
  fc.constantFrom('+', '-'),
  fc.integer({ min: 0, max: 99 }),
  fc.integer({ min: 0, max: 99 }),
);
const two = (n: number) => String(n).padStart(2, '0');
const dateTimeText = fc
  .tuple(instant, fc.integer({ min: 0, max: 9 }), fc.option(offset), fc.boolean())
  .map(([d, digits, zone, iso]) => {
    const [day, time] = d
      .toISOString()
      .replace(/\.\d+Z$/, '')
      .split('T');
    const fraction = digits === 0 ? '' : `.${String(d.getTime()).padStart(9, '7').slice(-digits)}`;
    const suffix = zone === null ? (iso ? 'Z' : '') : `${zone[0]}${two(zone[1])}:${two(zone[2])}`;
    return `${day}${iso ? 'T' : ' '}${time}${fraction}${suffix}`;
  });

/** Values the type holds (and a few more: the generated ranges reach past its edges). */
function typical(base: string): fc.Arbitrary<unknown> {
  const bits = INT_BITS[base];
  if (bits) return integer(...bits);
  if (base === 'Date') return instant.map((d) => d.toISOString().slice(0, 10));
  if (base.startsWith('DateTime')) return fc.oneof(dateTimeText, instant);
  if (base === 'UUID') return typedText;
  if (base === 'Float32' || base === 'Float64') return fc.double();
  if (base === 'Bool') return fc.boolean();
  if (base === 'JSON')
    return fc.oneof(
      fc.dictionary(key, value, { maxKeys: 6, noNullPrototype: true }),
      colliding,
      wide,
      deep.map((d) => ({ d })),
    );
  return text;
}

/** A value for a column of this type (ClickHouse's spelling, as the catalog has it). */
export function columnValue(type: string): fc.Arbitrary<unknown> {
  const inner = /^(LowCardinality|Nullable|Array)\((.*)\)$/.exec(type);
  if (inner?.[1] === 'Array')
    return mostly(
      fc.array(columnValue(inner[2] ?? ''), { maxLength: 4 }),
      fc.constantFrom(...edgeValues(type)),
    );
  if (inner !== null) return columnValue(inner[2] ?? '');
  return mostly(typical(type.replace(/\(.*$/, '')), fc.constantFrom(...edgeValues(type)));
}

/** A row of a table: a few of its columns, each given a generated value. */
export function tableRow(columns: readonly Column[]): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .uniqueArray(fc.constantFrom(...columns), { minLength: 1, maxLength: 6, selector: (c) => c.name })
    .chain((picked) =>
      fc.record(
        Object.fromEntries(
          picked.map((c) => [c.name, c.flag ? fc.constantFrom(...FLAG_VALUES) : columnValue(c.type)]),
        ),
      ),
    );
}
