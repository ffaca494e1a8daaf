// Patterns whose regular expression says little to whoever reads the error: each with the words a
// validation message uses instead ("must be …"), so a refused value is explained, not quoted back as a regex.

/** Base64url characters without padding, as Node's `base64url` encoding writes them. */
const B64URL = '[A-Za-z0-9_-]';

/**
 * An API key's stored hash exactly as `node ingest/auth/api-keys.ts` writes it: `scrypt$<salt>$<hash>`, a
 * 16-byte salt (22 base64url characters) and a 32-byte scrypt hash (43). Anything shorter loaded before and
 * then refused every request with that key as an invalid key.
 */
export const API_KEY_HASH = {
  pattern: `^scrypt\\$${B64URL}{22}\\$${B64URL}{43}$`,
  meaning:
    'a hash as `node ingest/auth/api-keys.ts <oid>` prints it: scrypt$<salt: 22 base64url characters>$<hash: 43 base64url characters>',
} as const;

/** The meaning of each described pattern, by the pattern's source as a schema carries it. */
export const PATTERN_MEANINGS: ReadonlyMap<string, string> = new Map([
  [API_KEY_HASH.pattern, API_KEY_HASH.meaning],
]);
