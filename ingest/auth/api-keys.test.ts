import { describe, expect, it } from 'vitest';
import { checkHash, createApiKeyStore, hashApiKey, newApiKey } from './api-keys.ts';

const OID = '0a000000-0000-4000-8000-00000000000a';

describe('API keys: salted scrypt hashes, never the key itself', () => {
  it('stores only a salted scrypt hash and verifies the key against it', async () => {
    const h1 = await hashApiKey('k1.secret');
    const h2 = await hashApiKey('k1.secret');
    expect(h1).toMatch(/^scrypt\$[\w-]+\$[\w-]+$/);
    expect(h1).not.toBe(h2);
    expect(await checkHash('k1.secret', h1)).toBe(true);
    expect(await checkHash('k1.secreT', h1)).toBe(false);
    expect(await checkHash('k1.secret', 'sha1$x$y')).toBe(false);
  });

  it('resolves a key to its org; unknown ids and wrong secrets are refused', async () => {
    const { key, entry } = await newApiKey(OID, 'acme');
    const store = createApiKeyStore([entry]);
    expect(await store.verify(key)).toEqual({ keyId: entry.keyId, oid: OID, org: 'acme' });
    expect(await store.verify(`${entry.keyId}.wrong`)).toBeUndefined();
    expect(await store.verify('nope.nope')).toBeUndefined();
    expect(await store.verify(key)).toEqual({ keyId: entry.keyId, oid: OID, org: 'acme' }); // cached
  });
});
