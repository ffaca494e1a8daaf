// The seed's credentials-in-path admin form (`/tr/v1/rpi/redirect/{uid}/{password}`), accepted only when
// apiKeys.allowPathCredentials is set (SPEC 3.1) so old clients keep working during a migration. The
// account's `pwd` must be a scrypt string (never the seed's unsalted SHA-1) and `expires` is enforced.
// Credentials in URLs end up in access logs: prefer Bearer keys.
import type { AppDeps } from '../deps.ts';
import { IngestError } from '../errors.ts';
import { asUuid } from '../model/ids.ts';
import { checkHash, type Principal } from './api-keys.ts';

interface Account {
  pwd: string;
  oid: string;
  expired: number;
}

/** The `{uid}/{password}` path segments of the seed's admin routes. */
export interface PathCredentials {
  readonly uid: string;
  readonly password: string;
}

export async function pathPrincipal(creds: PathCredentials, deps: AppDeps): Promise<Principal> {
  if (!deps.config.apiKeys.allowPathCredentials)
    throw new IngestError('NOT_FOUND', 'path credentials are disabled');
  const { password } = creds;
  const id = asUuid(creds.uid);
  if (id === undefined) throw new IngestError('UNAUTHORIZED', 'invalid credentials');
  const rows = await deps.dataPath.store.query<Account>(
    `SELECT pwd, toString(oid) AS oid,
            expires > toDateTime64(0, 3, 'UTC') AND expires < now64(3, 'UTC') AS expired
     FROM accounts FINAL WHERE uid = {uid:UUID} LIMIT 1`,
    { uid: id },
  );
  const account = rows[0];
  const ok =
    account !== undefined && Number(account.expired) === 0 && (await checkHash(password, account.pwd));
  if (!ok) throw new IngestError('UNAUTHORIZED', 'invalid credentials');
  return { keyId: id, oid: account.oid, org: '' };
}
