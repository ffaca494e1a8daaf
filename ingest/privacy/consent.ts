// Named consent bits: configuration names the bits of cflags, and the analytics bit decides cookie vs
// cookieless, so consent is enforced at ingest rather than only stored.

export type ConsentBits = Readonly<Record<string, number>>;

export function hasConsent(cflags: number | undefined, bits: ConsentBits, name: string): boolean {
  const bit = bits[name];
  if (cflags === undefined || bit === undefined || cflags < 0) return false;
  return (BigInt(Math.trunc(cflags)) >> BigInt(bit)) % 2n === 1n;
}

/** Names of the granted bits, for /ppi/agree reads and logs. */
export function grantedNames(cflags: number, bits: ConsentBits): string[] {
  return Object.keys(bits).filter((name) => hasConsent(cflags, bits, name));
}
