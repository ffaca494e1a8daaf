// Short-link resolution. Keys are `host + lower(path)` on both write and read (the Go tracker lower-cased
// only on write, so mixed-case links never resolved). The cache is a bounded LRU that create and delete
// update at once, so a new link resolves immediately and a deleted one stops at once (the Go tracker served
// 404 for about 5 s after a create and stale links for 5 min). Misses are cached briefly, so scanners
// cannot turn every unknown path into a store query. The reads themselves are the link repository's.
import { growingLru } from '../../lru.ts';
import type { Link, LinkRepository } from '../../repositories/index.ts';

export const linkKey = (host: string, path: string) => `${host.toLowerCase()}${path.toLowerCase()}`;

export interface LinkCache {
  resolve(host: string, path: string): Promise<Link | undefined>;
  put(link: Link): void;
  remove(urlfrom: string): void;
}

const MISS_TTL_MS = 5000;

export function createLinkCache(links: LinkRepository, max: number): LinkCache {
  const cache = growingLru<string, Link | 'missing'>({ max: Math.max(1, max) });
  return {
    async resolve(host, path) {
      const key = linkKey(host, path);
      const hit = cache.get(key);
      if (hit !== undefined) return hit === 'missing' ? undefined : hit;
      const link = await links.find(key.split('/')[0] ?? '', key);
      cache.set(key, link ?? 'missing', link === undefined ? { ttl: MISS_TTL_MS } : {});
      return link;
    },
    put: (link) => cache.set(link.urlfrom, link),
    remove: (urlfrom) => cache.set(urlfrom, 'missing'),
  };
}
