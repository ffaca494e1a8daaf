// API keys for the short-link admin API, sent as a header (never in the URL, where access logs keep it). A
// key is `<key_id>.<secret>` sent as `Authorization: Bearer <key>`; only
// `scrypt$<salt>$<hash>` of the whole key is stored (config, key file, or the api_keys table), scoped to
// one org; scrypt makes a leaked hash useless without the key. Verified keys are cached briefly by a SHA-256 of the key so scrypt does not run per request.
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { growingLru } from '../lru.ts';
import type { ApiKeyRepository, KeyEntry } from '../repositories/index.ts';

const scryptAsync = promisify(scrypt) as (pw: string, salt: Buffer, len: number) => Promise<Buffer>;
const KEY_LEN = 32;

export interface Principal {
  readonly keyId: string;
  readonly oid: string;
  readonly org: string;
}

export interface ApiKeyStore {
  /** The principal for a bearer key, or undefined (unknown, revoked, expired or wrong secret). */
  verify(key: string): Promise<Principal | undefined>;
}

export async function hashApiKey(key: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(key, salt, KEY_LEN);
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export async function checkHash(key: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64url');
  if (expected.length !== KEY_LEN) return false;
  return timingSafeEqual(await scryptAsync(key, Buffer.from(salt, 'base64url'), KEY_LEN), expected);
}

/** New random key for an org: returns the key (shown once) and the entry to store. */
export async function newApiKey(oid: string, org = ''): Promise<{ key: string; entry: KeyEntry }> {
  const keyId = randomBytes(6).toString('hex');
  const key = `${keyId}.${randomBytes(24).toString('base64url')}`;
  return { key, entry: { keyId, oid, org, hash: await hashApiKey(key) } };
}

export function loadKeyFile(file: string | undefined): KeyEntry[] {
  if (file === undefined) return [];
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(parsed)) throw new Error(`api key file ${file}: must be a JSON array`);
  return parsed.map((e: { id?: string; keyId?: string; oid: string; org?: string; hash: string }) => ({
    keyId: e.keyId ?? e.id ?? '',
    oid: e.oid,
    org: e.org ?? '',
    hash: e.hash,
  }));
}

/** Keys from the configuration first, then the api_keys table (when a repository is given). */
export function createApiKeyStore(entries: readonly KeyEntry[], stored?: ApiKeyRepository): ApiKeyStore {
  const byId = new Map(entries.map((e) => [e.keyId, e]));
  const cache = growingLru<string, Principal | 'denied'>({ max: 10_000, ttl: 60_000 });
  return {
    async verify(key) {
      const digest = createHash('sha256').update(key).digest('base64url');
      const hit = cache.get(digest);
      if (hit !== undefined) return hit === 'denied' ? undefined : hit;
      const keyId = key.split('.')[0] ?? '';
      const entry = byId.get(keyId) ?? (await stored?.find(keyId).catch(() => undefined));
      const ok = entry !== undefined && (await checkHash(key, entry.hash));
      const principal = ok ? { keyId: entry.keyId, oid: entry.oid.toLowerCase(), org: entry.org } : undefined;
      cache.set(digest, principal ?? 'denied');
      return principal;
    },
  };
}

// `node ingest/auth/api-keys.ts <oid> [org]` prints a new key and its config entry.
if (import.meta.main) {
  const [oid, org] = process.argv.slice(2);
  if (oid === undefined) {
    console.error('usage: api-keys.ts <oid> [org]');
    process.exit(2);
  }
  const { key, entry } = await newApiKey(oid, org);
  console.log(
    JSON.stringify({ key, entry: { id: entry.keyId, oid: entry.oid, org: entry.org, hash: entry.hash } }),
  );
}
