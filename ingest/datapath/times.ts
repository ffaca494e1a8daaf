// The checks of the engine's time columns: a real calendar date and time, within what the column type
// holds. The engine reads best-effort text, and what it cannot hold it does not refuse consistently: a
// DateTime64(9) after 2262 fails the insert with an overflow, while an impossible date rolls over
// (2024-02-30 is stored as March 1st), year 0000 becomes the current year and an offset of +99:99 shifts
// the time by days. Each is refused here, before the row is acknowledged, naming the column.

type Check = (value: unknown) => string | undefined;

/** Inclusive bounds in ms since the epoch (UTC), as the engine's documentation gives them. */
interface Range {
  readonly lo: number;
  readonly hi: number;
  readonly text: string;
}

const range = (lo: number, hi: number): Range => ({
  lo,
  hi,
  text: `[${new Date(lo).toISOString()}, ${new Date(hi).toISOString()}]`,
});

const DATE_RANGE = range(Date.UTC(1970, 0, 1), Date.UTC(2149, 5, 6));
const DATETIME_RANGE = range(Date.UTC(1970, 0, 1), Date.UTC(2106, 1, 7, 6, 28, 15));
const DATETIME64_RANGE = range(Date.UTC(1900, 0, 1), Date.UTC(2299, 11, 31, 23, 59, 59, 999));
// Nanoseconds since the epoch in 64 bits end at 2262-04-11 23:47:16.854775807; a millisecond short of it,
// so a value within that last millisecond is never compared by its milliseconds alone.
const DATETIME64_NS_RANGE = range(Date.UTC(1900, 0, 1), Date.UTC(2262, 3, 11, 23, 47, 16, 853));

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):?(\d{2}))?$/;

const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The day's time at UTC midnight, or undefined when no such day exists. */
function day(y: number, m: number, d: number): number | undefined {
  // years below 1000 are out of every range, and Date.UTC would read 0-99 as 1900-1999
  if (y < 1000 || m < 1 || m > 12 || d < 1) return undefined;
  if (d > (m === 2 && leap(y) ? 29 : (DAYS[m - 1] as number))) return undefined;
  return Date.UTC(y, m - 1, d);
}

/** A date-time text as ms since the epoch (UTC), or undefined when it names no real instant. */
export function parseDateTime(text: string): number | undefined {
  const m = DATETIME_TEXT.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone, sign, zh, zm] = m;
  const midnight = day(Number(y), Number(mo), Number(d));
  if (midnight === undefined || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  let offset = 0;
  if (zone !== undefined && zone !== 'Z') {
    // real offsets run from -12:00 to +14:00
    if (Number(zh) > 14 || Number(zm) > 59) return undefined;
    offset = (sign === '-' ? -1 : 1) * (Number(zh) * 60 + Number(zm)) * 60_000;
  }
  const ms = Number((fraction ?? '').padEnd(3, '0').slice(0, 3));
  return midnight + ((Number(h) * 60 + Number(mi)) * 60 + Number(s)) * 1000 + ms - offset;
}

function within(t: number | undefined, r: Range, what: string): string | undefined {
  if (t === undefined || Number.isNaN(t)) return `expected ${what}`;
  return t < r.lo || t > r.hi ? `out of range ${r.text}` : undefined;
}

/**
 * One time column's check. It remembers the last text it accepted: the events of one request share
 * their timestamps, so most values of a batch were checked a row before.
 */
function remembering(check: Check): Check {
  let accepted: unknown;
  return (v) => {
    if (typeof v === 'string' && v === accepted) return undefined;
    const problem = check(v);
    if (problem === undefined) accepted = v;
    return problem;
  };
}

/** Date columns: YYYY-MM-DD, a real day within the type's range. */
export function dateCheck(): Check {
  return remembering((v) => {
    const m = typeof v === 'string' ? DATE_TEXT.exec(v) : null;
    return within(
      m ? day(Number(m[1]), Number(m[2]), Number(m[3])) : undefined,
      DATE_RANGE,
      'a date YYYY-MM-DD',
    );
  });
}

/**
 * DateTime and DateTime64(p) columns: ISO 8601 or ClickHouse text, or a Date; numbers are refused (seconds
 * or milliseconds?). The instant must lie within the type's range.
 */
export function dateTimeCheck(type: string): Check {
  const precision = /^DateTime64\((\d+)/.exec(type)?.[1];
  const bounds =
    precision === undefined ? DATETIME_RANGE : Number(precision) > 8 ? DATETIME64_NS_RANGE : DATETIME64_RANGE;
  return remembering((v) => {
    const t = v instanceof Date ? v.getTime() : typeof v === 'string' ? parseDateTime(v) : undefined;
    return within(t, bounds, 'an ISO 8601 date-time');
  });
}
