// API keys kept in the api_keys table (besides those in the configuration): only live ones, never revoked or
// expired, and only their scrypt hash.
import type { StoreReads } from './unavailable.ts';

/** A stored key: its id, the org it is scoped to, and `scrypt$<salt>$<hash>` of the whole key. */
export interface KeyEntry {
  readonly keyId: string;
  readonly oid: string;
  readonly org: string;
  readonly hash: string;
}

export interface ApiKeyRepository {
  find(keyId: string): Promise<KeyEntry | undefined>;
}

export const apiKeyRepository = (store: StoreReads): ApiKeyRepository => ({
  async find(keyId) {
    const rows = await store.query<{ oid: string; hash: string; name: string }>(
      `SELECT oid, hash, name FROM api_keys FINAL
       WHERE key_id = {keyId:String} AND revoked = 0
         AND (expires_at = toDateTime64(0, 3, 'UTC') OR expires_at > now64(3, 'UTC'))
       LIMIT 1`,
      { keyId },
    );
    const r = rows[0];
    return r === undefined ? undefined : { keyId, oid: r.oid, org: r.name, hash: r.hash };
  },
});
