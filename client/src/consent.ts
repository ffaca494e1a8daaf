// cflags: a bitmask whose bits the ingest names in `privacy.consentBits` (bit positions). Arithmetic, not
// 32-bit bitwise operators, so positions up to 52 stay exact in a JS number.
import type { Consent } from './types.ts';

export type Bits = Readonly<Record<string, number>>;

export const DEFAULT_BITS: Bits = { necessary: 0, analytics: 1, marketing: 2 };

export const hasBit = (flags: number, bit: number): boolean => Math.floor(flags / 2 ** bit) % 2 === 1;

/** The cflags number of a consent value; unknown bit names and malformed numbers are errors. */
export function toFlags(value: Consent, bits: Bits): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`consent: bad cflags ${value}`);
    return value;
  }
  let flags = 0;
  for (const [name, granted] of Object.entries(value)) {
    const bit = bits[name];
    if (bit === undefined) throw new TypeError(`consent: unknown consent bit "${name}"`);
    if (granted && !hasBit(flags, bit)) flags += 2 ** bit;
  }
  return flags;
}
