// Facebook's customer-information normalisation, then SHA-256 (lower-case hex). Facebook matches on the
// hash of the normalised value, so one stray capital or space and nothing matches:
//   em       trimmed, lower case                                   John_Smith@gmail.com → john_smith@gmail.com
//   ph       digits only, leading zeros dropped, country code kept (650)555-1212 (US) → 16505551212
//   ct       lower case, letters only (no digits, punctuation or spaces; UTF-8 letters kept)  Menlo Park → menlopark
//   st       US: the two-letter code in lower case (a state's name is mapped); elsewhere like ct  California → ca
//   zp       lower case without spaces or dashes; US: the first five digits          94035-1234 → 94035
//   country  ISO 3166-1 alpha-2, lower case                                           US → us
//   external_id  the value as stored (a UUID's lower-case text), hashed as Facebook recommends
// A value that is already a SHA-256 hex digest is passed through (server-side callers may pre-hash).
// A value that normalises to nothing is left out rather than hashed (the hash of "" matches no one).
import { createHash } from 'node:crypto';
import { US_STATES } from './us-states.ts';

export type UserDataKey = 'em' | 'ph' | 'ct' | 'st' | 'zp' | 'country' | 'external_id';

const SHA256_HEX = /^[a-f0-9]{64}$/;

export const sha256Hex = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');

const lettersOnly = (v: string): string =>
  v
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}]/gu, '');

/** The normalised form of a value, or undefined when nothing usable is left. `country` informs st and zp. */
export function normalise(key: UserDataKey, raw: string, country = ''): string | undefined {
  const v = raw.trim();
  if (v === '') return undefined;
  const out = NORMALISERS[key](v, country.trim().toLowerCase());
  return out === '' ? undefined : out;
}

const NORMALISERS: Record<UserDataKey, (v: string, country: string) => string> = {
  em: (v) => (v.includes('@') ? v.toLowerCase() : ''),
  ph: (v) => v.replace(/\D/g, '').replace(/^0+/, ''),
  ct: lettersOnly,
  st: (v, country) => {
    const letters = lettersOnly(v);
    const us = country === 'us' || country === '';
    return us && letters.length > 2 ? (US_STATES[letters] ?? letters) : letters;
  },
  zp: (v, country) => {
    const compact = v.toLowerCase().replace(/[\s-]/g, '');
    return country === 'us' && /^\d{5}/.test(compact) ? compact.slice(0, 5) : compact;
  },
  country: (v) => (/^[a-z]{2}$/i.test(v) ? v.toLowerCase() : ''),
  external_id: (v) => v.toLowerCase(),
};

/** Normalised and hashed, as Facebook requires; a value that already is a SHA-256 digest is kept. */
export function hashUserData(key: UserDataKey, raw: unknown, country = ''): string | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const text = String(raw);
  if (SHA256_HEX.test(text.trim().toLowerCase())) return text.trim().toLowerCase();
  const normalised = normalise(key, text, country);
  return normalised === undefined ? undefined : sha256Hex(normalised);
}
