// Keyed hashing: every personal value (email, cell, uname, IP) is hashed with HMAC-SHA256 under a secret
// key, so a leaked table cannot be reversed by brute force without the key (unsalted or unkeyed hashes of
// such small spaces can).
import { createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface Hasher {
  /** base64url(HMAC-SHA256(key, domain ‖ 0 ‖ value)); the domain separates email hashes from IP hashes. */
  hash(domain: string, value: string): string;
  /** Raw HMAC bytes, for deriving ids. */
  bytes(domain: string, ...parts: string[]): Buffer;
}

/** Distinct (domain, parts) results remembered; a batch from one client hashes the same IP 100 times. */
export const HASH_MEMO_ENTRIES = 4096;
// Only IP hashes are remembered: raw emails, phone numbers and user names are not kept in memory beyond
// their request, nor cookieless ids, whose inputs hold the day's salt (the request columns remember those
// ids for their day only, and forget the salt with them).
const MEMO_DOMAINS: ReadonlySet<string> = new Set(['ip']);

export function createHasher(key: Buffer): Hasher {
  if (key.length < 16) throw new Error(`holds ${key.length} bytes: a hash key is at least 16 bytes`);
  // A KeyObject made once: given the raw Buffer, createHmac builds a new key object per call, which
  // costs several times the hashing itself.
  const secret: KeyObject = createSecretKey(key);
  const memo = new Map<string, Buffer>();
  const compute = (domain: string, parts: readonly string[]) => {
    const h = createHmac('sha256', secret).update(domain).update('\0');
    for (const p of parts) h.update(p).update('\0');
    return h.digest();
  };
  const bytes = (domain: string, ...parts: string[]) => {
    if (!MEMO_DOMAINS.has(domain)) return compute(domain, parts);
    // The memo key is the hashed input itself (NUL-separated), so equal keys always mean equal digests.
    const id = `${domain}\0${parts.join('\0')}`;
    let digest = memo.get(id);
    if (digest === undefined) {
      digest = compute(domain, parts);
      // Oldest first out: a Map iterates in insertion order, so its first key is the oldest.
      if (memo.size >= HASH_MEMO_ENTRIES) memo.delete(memo.keys().next().value as string);
      memo.set(id, digest);
    }
    return Buffer.from(digest);
  };
  return { bytes, hash: (domain, value) => bytes(domain, value).toString('base64url') };
}

/** Where the key is generated when privacy.hashKeyFile is unset. */
export const generatedKeyPath = (stateDir: string): string => join(stateDir, 'hash.key');

/**
 * The generated key could not be written. Its own error, since a failed open for writing looks like a
 * failed read (both are `open`) and the two are said differently; it carries the system error's code,
 * path and syscall, so a file system's refusal is still said as the directory's.
 */
export class GeneratedKeyWriteError extends Error {
  override readonly name = 'GeneratedKeyWriteError';
  readonly code: unknown;
  readonly path: unknown;
  readonly syscall: unknown;
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    const e = cause as { code?: unknown; path?: unknown; syscall?: unknown } | null;
    this.code = e?.code;
    this.path = e?.path;
    this.syscall = e?.syscall;
  }
}

/**
 * The key comes from a mounted Secret file when configured. Otherwise (local `make run`) one is generated
 * once into the state directory so hashes stay stable across restarts; it is never committed anywhere.
 */
export function loadHashKey(keyFile: string | undefined, stateDir: string): Buffer {
  if (keyFile !== undefined) return readFileSync(keyFile);
  const generated = generatedKeyPath(stateDir);
  if (!existsSync(generated)) {
    try {
      mkdirSync(dirname(generated), { recursive: true });
      writeFileSync(generated, randomBytes(32), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      throw new GeneratedKeyWriteError(err);
    }
  }
  return readFileSync(generated);
}

/** Lower-case and trim before hashing so "A@x.com " and "a@x.com" match (as the Go tracker's did). */
export const normalisePii = (v: string) => v.trim().toLowerCase();

/** base36(FNV-1a 32): the Go tracker's hhash/bhash; not secret, kept so existing queries by hhash still work. */
export function fnv1a36(s: string): string {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(s, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}
