// Client timestamps. A client time is accepted only as ISO 8601 or epoch *milliseconds* (guessing "seconds"
// from a 10-digit number misreads real values), and only within the configured skew of server time, so a
// wrong client clock cannot move events; the server receive time is always kept as well.

/** The latest instant a JavaScript Date holds: past it there is no date to format. */
const MAX_DATE_MS = 8.64e15;

/** Parse an ISO 8601 string or an epoch-millisecond number/string. No seconds heuristic. */
export function parseClientTime(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v > 0 && v <= MAX_DATE_MS ? v : undefined;
  if (typeof v !== 'string' || v === '' || v.length > 64) return undefined;
  if (/^\d{1,16}$/.test(v)) return Number(v) <= MAX_DATE_MS ? Number(v) : undefined;
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/i.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** The client time if it is within ±skewMs of now, else undefined (the caller falls back to server time). */
export function withinSkew(clientMs: number | undefined, nowMs: number, skewMs: number): number | undefined {
  if (clientMs === undefined) return undefined;
  return Math.abs(clientMs - nowMs) <= skewMs ? clientMs : undefined;
}

let lastMs = Number.NaN;
let lastText = '';

/** ClickHouse DateTime64(3) text in UTC: 2024-05-01 12:00:00.123 */
export function chTime(ms: number): string {
  // Every event of a request, and most events of a busy millisecond, share one timestamp: format it once.
  if (ms !== lastMs) {
    lastText = new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
    lastMs = ms;
  }
  return lastText;
}
export const chDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
