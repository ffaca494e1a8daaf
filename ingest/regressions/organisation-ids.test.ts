// A site key's or an API key's oid took any 36 hex digits and dashes: a mistyped one was accepted at start
// (and printed by `api-keys.ts` as a key's entry), and the rows written with that key were stored under the
// zero oid, as sent by no site, without a word. An organisation id is a UUID, refused at start otherwise.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/config/problems.ts';
import { keyArgs } from '../auth/api-keys.ts';
import { loadConfig } from '../config.ts';
import { testApiKey } from '../testing/api-keys.ts';

const MISTYPED = '0a0000000000-4000-8000-00000000000a-';
const OID = '0A000000-0000-4000-8000-00000000000A';
// a real hash: only the oid is under test (the hash's format is checked at start too)
const HASH = (await testApiKey(OID)).entry.hash;

const site = (oid: string) => ({ TRACKER_SITES__KEYS: JSON.stringify([{ key: 'shopkey123', oid }]) });
const apiKey = (oid: string) => ({ TRACKER_APIKEYS__KEYS: JSON.stringify([{ id: 'k1', oid, hash: HASH }]) });

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadConfig(undefined, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('an organisation id in the configuration', () => {
  it.each([
    ['sites.keys.0.oid', site],
    ['apiKeys.keys.0.oid', apiKey],
  ])('%s that is not a UUID stops the start, named', (key, env) => {
    expect(problemsOf(env(MISTYPED))).toEqual([
      expect.stringMatching(new RegExp(`^${key}: must match pattern`)),
    ]);
  });

  it.each([
    ['sites.keys', site],
    ['apiKeys.keys', apiKey],
  ])('%s takes a UUID, in either case', (_key, env) => {
    expect(problemsOf(env(OID))).toEqual([]);
  });

  it('api-keys.ts refuses to print an entry the configuration would refuse', () => {
    expect(keyArgs([MISTYPED, 'acme'])).toEqual({ error: expect.stringMatching(/is not a UUID/) });
    expect(keyArgs([OID, 'acme'])).toEqual({ oid: OID, org: 'acme' });
  });
});
