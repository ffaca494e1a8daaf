import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_KEY_HASH } from '../../common/config/patterns.ts';
import { keyConfigEntry, testApiKey } from '../testing/api-keys.ts';
import { checkHash, createApiKeyStore, hashApiKey, keyArgs, loadKeyFile, newApiKey } from './api-keys.ts';

const OID = '0a000000-0000-4000-8000-00000000000a';

describe('API keys: salted scrypt hashes, never the key itself', () => {
  it('writes hashes of exactly the format the configuration accepts', async () => {
    expect((await newApiKey(OID)).entry.hash).toMatch(new RegExp(API_KEY_HASH.pattern));
  });

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

describe('the key file: entries shaped like apiKeys.keys', () => {
  const write = (entries: unknown) => {
    const file = join(mkdtempSync(join(tmpdir(), 'api-keys-')), 'keys.json');
    writeFileSync(file, JSON.stringify(entries));
    return file;
  };

  it('loads the entries the key command prints', async () => {
    const { key, entry } = await newApiKey(OID, 'acme');
    const file = write([{ id: entry.keyId, oid: OID, org: 'acme', hash: entry.hash }]);
    const store = createApiKeyStore(loadKeyFile(file));
    expect(await store.verify(key)).toEqual({ keyId: entry.keyId, oid: OID, org: 'acme' });
  });

  // An entry without its org used to load, and then every request presenting its key was a 500.
  it('refuses an entry without an oid, naming it, instead of failing requests later', async () => {
    const { entry } = await newApiKey(OID);
    const file = write([{ id: entry.keyId, hash: entry.hash }]);
    expect(() => loadKeyFile(file)).toThrow(/\[0\]\.oid: /);
  });

  it('refuses a file that is not an array of entries, and unknown keys', async () => {
    expect(() => loadKeyFile(write({ id: 'x' }))).toThrow(/must be a JSON array/);
    const { entry } = await testApiKey(OID);
    expect(() => loadKeyFile(write([{ ...keyConfigEntry(entry), bogus: 1 }]))).toThrow(
      /: \[0\]\.bogus: unknown key$/,
    );
  });

  // A truncated hash loaded, and then every request with its key was refused as an invalid key.
  it('refuses a hash the key command cannot have written, naming the entry', async () => {
    const { entry } = await testApiKey(OID);
    const file = write([keyConfigEntry(entry), { ...keyConfigEntry(entry), id: 'b', hash: 'scrypt$abc' }]);
    expect(() => loadKeyFile(file)).toThrow(`[1].hash: must be ${API_KEY_HASH.meaning}`);
  });
});

describe('node ingest/auth/api-keys.ts <oid> [org]', () => {
  it('takes a UUID oid and an optional org', () => {
    expect(keyArgs([OID])).toEqual({ oid: OID });
    expect(keyArgs([OID, 'acme'])).toEqual({ oid: OID, org: 'acme' });
  });

  // It used to print an entry for any first argument (even --help), which the configuration then refused.
  it('refuses an oid the configuration would refuse, and extra arguments', () => {
    expect(keyArgs(['acme'])).toEqual({ error: expect.stringMatching(/oid "acme" is not a UUID/) });
    expect(keyArgs([])).toEqual({ error: expect.stringMatching(/^usage:/) });
    expect(keyArgs([OID, 'acme', 'extra'])).toEqual({ error: expect.stringMatching(/^usage:/) });
  });
});
