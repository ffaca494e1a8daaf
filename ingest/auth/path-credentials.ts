// The Go tracker's credentials-in-path admin form (`/tr/v1/rpi/redirect/{uid}/{password}`), accepted only
// when apiKeys.allowPathCredentials is set, so its old clients keep working during a migration. The
// account's `pwd` must be a scrypt string (an unsalted SHA-1 falls to a dictionary at once) and `expires` is
// enforced. Credentials in URLs end up in access logs: prefer Bearer keys.
import { IngestError } from '../errors.ts';
import { asUuid } from '../model/ids.ts';
import type { AccountRepository } from '../repositories/index.ts';
import { checkHash, type Principal } from './api-keys.ts';

/** The `{uid}/{password}` path segments of the credentials-in-path admin routes. */
export interface PathCredentials {
  readonly uid: string;
  readonly password: string;
}

/** The account's principal; `allowed` is apiKeys.allowPathCredentials (off: the form does not exist). */
export async function pathPrincipal(
  creds: PathCredentials,
  accounts: AccountRepository,
  allowed: boolean,
): Promise<Principal> {
  if (!allowed) throw new IngestError('NOT_FOUND', 'path credentials are disabled');
  const { password } = creds;
  const id = asUuid(creds.uid);
  if (id === undefined) throw new IngestError('UNAUTHORIZED', 'invalid credentials');
  const account = await accounts.find(id);
  const ok = account !== undefined && !account.expired && (await checkHash(password, account.pwd));
  if (!ok) throw new IngestError('UNAUTHORIZED', 'invalid credentials');
  return { keyId: id, oid: account.oid, org: '' };
}
