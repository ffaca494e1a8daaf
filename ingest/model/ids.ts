// Identifiers. Ids are generated before anything else and then used everywhere, so the cookie, the events
// row and every side effect of one event carry the same ids (never a zero UUID next to a new one).
import { createHash, randomUUID } from 'node:crypto';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export const isUuid = (v: unknown): v is string =>
  typeof v === 'string' && UUID_RE.test(v) && v !== ZERO_UUID;

/** The value as a canonical (lower-case) UUID, or undefined. */
export const asUuid = (v: unknown): string | undefined => (isUuid(v) ? v.toLowerCase() : undefined);

export const newId = (): string => randomUUID();

/** Format 16 bytes as an RFC 9562 version-8 ("custom") UUID. */
export function uuidFromBytes(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.subarray(0, 16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x80;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Deterministic id from parts (idempotency keys such as a payment line): same parts → same UUID. */
export function stableId(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return uuidFromBytes(h.digest());
}
