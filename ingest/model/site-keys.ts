// Optional per-site write keys: one ingest serves several sites without anyone writing into another's
// org. A key is public (it ships in a page), so it binds events to its org and, when the key lists
// origins, only browser requests from those origins may use it; it is not a secret credential.
// With `sites.required`, client and server tracking requests without a valid key are refused.
import type { Config } from '../config.ts';
import { IngestError } from '../errors.ts';

type Raw = Record<string, unknown>;

export interface SiteRequest {
  /** X-Site-Key header. */
  readonly headerKey?: string;
  readonly origin?: string;
}

export type SiteBinder = (raws: readonly Raw[], req: SiteRequest) => Raw[];

export function createSiteBinder(sites: Config['sites']): SiteBinder {
  const byKey = new Map(sites.keys.map((k) => [k.key, k]));
  const bind = (raw: Raw, req: SiteRequest): Raw => {
    const given = typeof raw.site_key === 'string' ? raw.site_key : req.headerKey;
    if (given === undefined) {
      if (sites.required)
        throw new IngestError('UNAUTHORIZED', 'a site key is required (site_key or X-Site-Key)');
      return raw;
    }
    const site = byKey.get(given);
    if (site === undefined) throw new IngestError('UNAUTHORIZED', unknownKey(byKey.size));
    if (site.origins.length > 0 && req.origin !== undefined && !site.origins.includes(req.origin)) {
      throw new IngestError('FORBIDDEN', `origin ${req.origin} may not use this site key`);
    }
    const { site_key: _key, ...rest } = raw;
    return { ...rest, oid: site.oid.toLowerCase(), org: site.org };
  };
  // Without keys and without sites.required an event needs no binding, unless it names a key: a key
  // this ingest does not have is refused like any unknown key, not kept as a property that binds nothing.
  const unbound = (raws: readonly Raw[], req: SiteRequest) =>
    byKey.size === 0 && !sites.required && req.headerKey === undefined && !raws.some(namesKey);
  return (raws, req) => (unbound(raws, req) ? [...raws] : raws.map((r) => bind(r, req)));
}

const namesKey = (raw: Raw) => typeof raw.site_key === 'string';

function unknownKey(configured: number): string {
  return configured === 0
    ? 'unknown site key: this ingest has no site keys (sites.keys is empty)'
    : 'unknown site key: no entry of sites.keys has it';
}
