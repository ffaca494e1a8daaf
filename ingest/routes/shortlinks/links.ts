// Short-link storage and resolution (seed 1.6, bugs 13/14). Keys are `host + lower(path)` on both write
// and read (the seed lower-cased only on write), the cache is a bounded LRU that create/delete update at
// once (new links resolve immediately; the seed served 404 for ~5 s and stale links for 5 min), and
// misses are cached briefly so scanners cannot turn every unknown path into a store query.
import { LRUCache } from 'lru-cache';
import type { Store } from '../../../store/index.ts';
import { fnv1a36 } from '../../privacy/hash.ts';

export interface Link {
  readonly urlfrom: string;
  readonly urlto: string;
  readonly oid: string;
  readonly org: string;
}

export const linkKey = (host: string, path: string) => `${host.toLowerCase()}${path.toLowerCase()}`;

export interface LinkCache {
  resolve(host: string, path: string): Promise<Link | undefined>;
  put(link: Link): void;
  remove(urlfrom: string): void;
}

const MISS_TTL_MS = 5000;

export function createLinkCache(store: Store, max: number): LinkCache {
  const cache = new LRUCache<string, Link | 'missing'>({ max: Math.max(1, max) });
  const load = async (key: string): Promise<Link | undefined> => {
    const host = key.split('/')[0] ?? '';
    const rows = await store.query<Link & { deleted: number }>(
      `SELECT urlfrom, urlto, toString(oid) AS oid, org, deleted FROM redirects FINAL
       WHERE hhash = {hhash:String} AND urlfrom = {key:String} LIMIT 1`,
      { hhash: fnv1a36(host), key },
    );
    const r = rows[0];
    return r === undefined || Number(r.deleted) === 1 ? undefined : r;
  };
  return {
    async resolve(host, path) {
      const key = linkKey(host, path);
      const hit = cache.get(key);
      if (hit !== undefined) return hit === 'missing' ? undefined : hit;
      const link = await load(key);
      cache.set(key, link ?? 'missing', link === undefined ? { ttl: MISS_TTL_MS } : {});
      return link;
    },
    put: (link) => cache.set(link.urlfrom, link),
    remove: (urlfrom) => cache.set(urlfrom, 'missing'),
  };
}
