// API keys for the short-link admin API, sent as a header (never in the URL, where access logs keep it). A
// key is `<key_id>.<secret>` sent as `Authorization: Bearer <key>`; only
// `scrypt$<salt>$<hash>` of the whole key is stored (config, key file, or the api_keys table), scoped to
// one org; scrypt makes a leaked hash useless without the key. Verified keys are cached briefly by a SHA-256 of the key so scrypt does not run per request.
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Static } from 'typebox';
import Value from 'typebox/value';
import { ApiKey } from '../../common/config/access-keys.ts';
import { validate } from '../../common/config/loader.ts';
import { isIngestError } from '../errors.ts';
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

// The file's entries are held to the schema of apiKeys.keys: an entry without its org used to load, and then
// every request presenting its key failed.
export function loadKeyFile(file: string | undefined): KeyEntry[] {
  if (file === undefined) return [];
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(parsed)) throw new Error(`${file}: must be a JSON array of key entries`);
  const checked = parsed.map((e, i) => validate<Static<typeof ApiKey>>(ApiKey, e, { root: `[${i}]` }));
  const problems = checked.flatMap((c) => c.problems);
  if (problems.length > 0) throw new Error(`${file}: ${problems.join('; ')}`);
  return checked.map(({ value: e }) => ({ keyId: e.id, oid: e.oid, org: e.org, hash: e.hash }));
}

/**
 * A failed lookup in the api_keys table refuses the key as one not found, except while the store is down
 * or busy (the repository's OVERLOADED, answered 503 with Retry-After) or refuses the ingest for its
 * configuration (STORE_REFUSED, a 500 naming why): neither says anything about the key, so nothing is
 * cached (a 401, cached for a minute, told a client holding a valid key to stop trying).
 */
function notFoundUnlessUnavailable(err: unknown): undefined {
  if (isIngestError(err, 'OVERLOADED') || isIngestError(err, 'STORE_REFUSED')) throw err;
  return undefined;
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
      const entry = byId.get(keyId) ?? (await stored?.find(keyId).catch(notFoundUnlessUnavailable));
      const ok = entry !== undefined && (await checkHash(key, entry.hash));
      const principal = ok ? { keyId: entry.keyId, oid: entry.oid.toLowerCase(), org: entry.org } : undefined;
      cache.set(digest, principal ?? 'denied');
      return principal;
    },
  };
}

const USAGE = 'usage: api-keys.ts <oid> [org]   (oid: the organisation UUID the key is scoped to)';

/** The arguments of the command line, or the line saying what is wrong with them. */
export function keyArgs(argv: readonly string[]): { oid: string; org?: string } | { error: string } {
  const [oid, org, ...rest] = argv;
  if (oid === undefined || rest.length > 0) return { error: USAGE };
  // the pattern apiKeys.keys enforces: an entry printed here must be accepted by the configuration
  if (!Value.Check(ApiKey.properties.oid, oid))
    return { error: `oid ${JSON.stringify(oid)} is not a UUID; ${USAGE}` };
  return org === undefined ? { oid } : { oid, org };
}

// `node ingest/auth/api-keys.ts <oid> [org]` prints a new key and its config entry.
if (import.meta.main) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--help' || argv[0] === '-h') {
    console.log(USAGE);
    process.exit(0);
  }
  const args = keyArgs(argv);
  if ('error' in args) {
    console.error(args.error);
    process.exit(2);
  }
  const { key, entry } = await newApiKey(args.oid, args.org);
  console.log(
    JSON.stringify({ key, entry: { id: entry.keyId, oid: entry.oid, org: entry.org, hash: entry.hash } }),
  );
}
