// Which stored events a destination gets. Two rules, both must hold:
//   route    ename in route.enames and etyp in route.etyps (an empty list matches every value)
//   consent  the event's own cflags carries every bit the destination names. An event without cflags
//            carries no consent and is never sent to a destination that requires one: consent is not
//            inferred from an earlier agreement, from the destination, or from the absence of a refusal.
import type { ConsentBits } from '../privacy/consent.ts';
import { hasConsent } from '../privacy/consent.ts';
import type { StoredEvent } from './contract.ts';

export interface Selection {
  readonly route: { readonly enames: readonly string[]; readonly etyps: readonly string[] };
  readonly consent: readonly string[];
}

export interface Parsed {
  readonly row: StoredEvent;
  /** The JSON line exactly as spooled (newline included). */
  readonly line: Buffer;
}

/** JSONEachRow lines → rows (each line ends with \n; a JSON text never contains a raw newline). */
export function parseLines(lines: Buffer): Parsed[] {
  const out: Parsed[] = [];
  let start = 0;
  for (let i = lines.indexOf(10); i !== -1; i = lines.indexOf(10, start)) {
    const line = lines.subarray(start, i + 1);
    start = i + 1;
    const row = JSON.parse(line.toString('utf8')) as unknown;
    if (typeof row === 'object' && row !== null && !Array.isArray(row))
      out.push({ row: row as StoredEvent, line });
  }
  return out;
}

/** created_at as stored ("2026-05-01 12:00:00.123", UTC) in epoch milliseconds. */
export function eventTimeMs(row: StoredEvent): number {
  const at = typeof row.created_at === 'string' ? row.created_at : '';
  return Date.parse(`${at.replace(' ', 'T')}${at.endsWith('Z') ? '' : 'Z'}`);
}

const matches = (list: readonly string[], value: unknown): boolean =>
  list.length === 0 || (typeof value === 'string' && list.includes(value));

export function routed(row: StoredEvent, route: Selection['route']): boolean {
  return matches(route.enames, row.ename) && matches(route.etyps, row.etyp);
}

export function consented(row: StoredEvent, consent: readonly string[], bits: ConsentBits): boolean {
  if (consent.length === 0) return true;
  // Int64 columns may be spooled as digit strings (values beyond 2^53).
  const cflags =
    typeof row.cflags === 'string' && /^\d{1,19}$/.test(row.cflags) ? Number(row.cflags) : row.cflags;
  if (typeof cflags !== 'number') return false;
  return consent.every((name) => hasConsent(cflags, bits, name));
}

export function select(rows: readonly Parsed[], s: Selection, bits: ConsentBits) {
  const picked: Parsed[] = [];
  let notRouted = 0;
  let noConsent = 0;
  for (const p of rows) {
    if (!routed(p.row, s.route)) notRouted++;
    else if (!consented(p.row, s.consent, bits)) noConsent++;
    else picked.push(p);
  }
  return { picked, notRouted, noConsent };
}
