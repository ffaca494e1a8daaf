// Accounts of the credentials-in-path admin form: the scrypt password hash, the org and whether it expired.
import type { StoreReads } from './unavailable.ts';

export interface Account {
  readonly pwd: string;
  readonly oid: string;
  readonly expired: boolean;
}

export interface AccountRepository {
  find(uid: string): Promise<Account | undefined>;
}

export const accountRepository = (store: StoreReads): AccountRepository => ({
  async find(uid) {
    const rows = await store.query<{ pwd: string; oid: string; expired: number | string }>(
      `SELECT pwd, toString(oid) AS oid,
              expires > toDateTime64(0, 3, 'UTC') AND expires < now64(3, 'UTC') AS expired
       FROM accounts FINAL WHERE uid = {uid:UUID} LIMIT 1`,
      { uid },
    );
    const r = rows[0];
    return r === undefined ? undefined : { pwd: r.pwd, oid: r.oid, expired: Number(r.expired) !== 0 };
  },
});
