// Daily random salts for cookieless visitor ids (as Plausible does): one 16-byte salt per UTC day,
// created on first use, and deleted 48 h after its day began so yesterday's ids can never be recomputed
// after that. The deletion is a timer, not the next request: an instance that serves no cookieless
// request after midnight must not keep the old salts. Salts live only in memory unless a shared store
// (NATS KV) is plugged in, so a restart simply starts a fresh salt, which is the privacy-preserving failure.
import { randomBytes } from 'node:crypto';

export const SALT_TTL_MS = 48 * 3600_000;
export const DAY_MS = 86_400_000;

/** Runs `fn` after `delayMs` without keeping the process alive (a test passes its own). */
export type Schedule = (fn: () => void, delayMs: number) => void;
export const unrefTimer: Schedule = (fn, delayMs) => {
  setTimeout(fn, Math.max(0, delayMs)).unref();
};

/** When the salt of the UTC day holding `now` must be gone: 48 h after that day began. */
export const saltExpiry = (now: number): number => Math.floor(now / DAY_MS) * DAY_MS + SALT_TTL_MS;

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

/**
 * The salts a process holds, by day: each is deleted (and its bytes zeroed) by a timer 48 h after its
 * day began, and a lookup past that time never returns it.
 */
export function heldSalts(schedule: Schedule) {
  const salts = new Map<string, { salt: Buffer; expires: number }>();
  const drop = (day: string) => {
    salts.get(day)?.salt.fill(0);
    salts.delete(day);
  };
  return {
    get(now: number): Buffer | undefined {
      for (const [day, entry] of salts) if (now >= entry.expires) drop(day);
      return salts.get(dayKey(now))?.salt;
    },
    set(now: number, salt: Buffer): void {
      const day = dayKey(now);
      const expires = saltExpiry(now);
      salts.set(day, { salt, expires });
      schedule(() => {
        if (salts.get(day)?.expires === expires) drop(day);
      }, expires - now);
    },
    days: () => [...salts.keys()],
  };
}

export function createMemorySaltStore(schedule: Schedule = unrefTimer): SaltStore {
  const held = heldSalts(schedule);
  return {
    async forDay(now) {
      const known = held.get(now);
      if (known !== undefined) return known;
      const salt = randomBytes(16);
      held.set(now, salt);
      return salt;
    },
    days: held.days,
  };
}
