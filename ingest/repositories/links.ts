// Short links (`redirects`, latest row per host hash and key; a tombstone marks a deleted one). Keys are
// `host + lower(path)`; rows are found by the host's hash first, the table's sort key.
import type { Row } from '../../store/index.ts';
import { fnv1a36 } from '../privacy/hash.ts';
import type { StoreReads } from './unavailable.ts';

export interface Link {
  readonly urlfrom: string;
  readonly urlto: string;
  readonly oid: string;
  readonly org: string;
}

export interface LinkRepository {
  /** The live link of a key, or undefined (never created, or deleted). */
  find(host: string, key: string): Promise<Link | undefined>;
  /** The org owning a live link of the key, if any. */
  ownerOf(host: string, key: string): Promise<string | undefined>;
  /** An org's live links on a host. */
  list(host: string, oid: string): Promise<Row[]>;
}

export const linkRepository = (store: StoreReads): LinkRepository => ({
  async find(host, key) {
    const rows = await store.query<Link & { deleted: number }>(
      `SELECT urlfrom, urlto, toString(oid) AS oid, org, deleted FROM redirects FINAL
       WHERE hhash = {hhash:String} AND urlfrom = {key:String} LIMIT 1`,
      { hhash: fnv1a36(host), key },
    );
    const r = rows[0];
    return r === undefined || Number(r.deleted) === 1 ? undefined : r;
  },
  async ownerOf(host, key) {
    const rows = await store.query<{ oid: string }>(
      `SELECT toString(oid) AS oid FROM redirects FINAL WHERE hhash = {h:String} AND urlfrom = {k:String} AND deleted = 0`,
      { h: fnv1a36(host), k: key },
    );
    return rows[0]?.oid;
  },
  list: (host, oid) =>
    store.query(
      `SELECT urlfrom, urlto, org, updated_at FROM redirects FINAL
       WHERE hhash = {h:String} AND oid = {oid:UUID} AND deleted = 0 ORDER BY urlfrom LIMIT 10000`,
      { h: fnv1a36(host), oid },
    ),
});
