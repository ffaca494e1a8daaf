// Daily random salts for cookieless visitor ids (as Plausible does): one 16-byte salt per UTC day,
// created on first use, and deleted once older than 48 h so yesterday's ids can never be recomputed after
// that. Salts live only in memory unless a shared store (NATS KV with a 48 h TTL) is plugged in, so a
// restart simply starts a fresh salt, which is the privacy-preserving failure.
import { randomBytes } from 'node:crypto';

export const SALT_TTL_MS = 48 * 3600_000;
export const DAY_MS = 86_400_000;

export interface SaltStore {
  /** The salt for the UTC day containing `now` (created if missing). */
  forDay(now: number): Promise<Buffer>;
  /** Days currently held (for tests and /status). */
  days(): string[];
}

let keyDay = Number.NaN;
let keyText = '';

/** The UTC day of `now` as YYYY-MM-DD (formatted once per day: every request of a day asks for it). */
export function dayKey(now: number): string {
  const day = Math.floor(now / DAY_MS);
  if (day !== keyDay) {
    keyText = new Date(day * DAY_MS).toISOString().slice(0, 10);
    keyDay = day;
  }
  return keyText;
}

export function createMemorySaltStore(): SaltStore {
  const salts = new Map<string, { salt: Buffer; createdAt: number }>();
  const prune = (now: number) => {
    for (const [day, s] of salts) if (now - s.createdAt >= SALT_TTL_MS) salts.delete(day);
  };
  return {
    async forDay(now) {
      prune(now);
      const day = dayKey(now);
      let entry = salts.get(day);
      if (entry === undefined) {
        // createdAt is the start of the day: the salt is deleted 48 h after its day began
        entry = { salt: randomBytes(16), createdAt: Math.floor(now / DAY_MS) * DAY_MS };
        salts.set(day, entry);
      }
      return entry.salt;
    },
    days: () => [...salts.keys()],
  };
}
