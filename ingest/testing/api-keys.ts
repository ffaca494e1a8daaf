// Real API keys for tests, each made once per test file and org: a dummy hash (`scrypt$a$b`) is refused
// when the configuration loads, and scrypt costs tens of milliseconds per key.
import { newApiKey } from '../auth/api-keys.ts';
import type { KeyEntry } from '../repositories/index.ts';

type Made = Awaited<ReturnType<typeof newApiKey>>;
const made = new Map<string, Promise<Made>>();

/** A key (shown once, as the key command prints it) and its stored entry, for the org `oid`. */
export function testApiKey(oid: string, org = ''): Promise<Made> {
  const id = `${oid}/${org}`;
  let key = made.get(id);
  if (key === undefined) {
    key = newApiKey(oid, org);
    made.set(id, key);
  }
  return key;
}

/** The entry as `apiKeys.keys` (or the key file) spells it. */
export const keyConfigEntry = (e: KeyEntry) => ({ id: e.keyId, oid: e.oid, org: e.org, hash: e.hash });
