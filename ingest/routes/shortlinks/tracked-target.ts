// Short links whose target is this tracker's own tracked redirect (`https://<our host>/tr/v1/rdr/…?url=D`)
// resolve in one hop: the visitor goes straight to D, and ONE redirect event is recorded with
// the values the rdr hop would have recorded, instead of a short_rdr event here plus an rdr event on the
// next hop. D passes the same allow-list as /tr/v1/rdr; a relative D stays on the rdr URL's host, as it
// would after two hops. (The Go tracker also prefixed a relative D with the org's default_destination_host.)
import type { Config } from '../../config.ts';
import { IngestError } from '../../errors.ts';
import { pathPairs, queryInput, type Raw } from '../../model/collect.ts';
import { allowedDestination, CONTROL } from '../redirect/index.ts';

export interface TrackedTarget {
  /** Origin of the rdr URL: a relative destination resolves against it. */
  readonly origin: string;
  /** The rdr `url` parameter, when present. */
  readonly url: string | undefined;
  /** Path pairs and query of the rdr URL (utm_ stripped, first value wins), without `url`. */
  readonly values: Raw;
}

const RDR = '/tr/v1/rdr';

/**
 * A link target that can be sent as a Location header: an absolute http(s) URL with no control
 * characters (the URL parser silently drops CR/LF/TAB, so they are checked on the raw text first).
 */
export function linkTarget(urlto: string): URL | undefined {
  if (CONTROL.test(urlto)) return undefined;
  try {
    const u = new URL(urlto);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

function firstValues(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of params) if (!(k in out)) out[k] = v;
  return out;
}

/** The tracked redirect a short link points at, or undefined when its target is anything else. */
export function trackedTarget(urlto: string, ourHosts: ReadonlySet<string>): TrackedTarget | undefined {
  let u: URL;
  try {
    u = new URL(urlto);
  } catch {
    return undefined;
  }
  if (!ourHosts.has(u.hostname.toLowerCase())) return undefined;
  if (u.pathname !== RDR && !u.pathname.startsWith(`${RDR}/`)) return undefined;
  const { url, ...values } = {
    ...pathPairs(u.pathname.slice(RDR.length)),
    ...queryInput(firstValues(u.searchParams)),
  };
  return { origin: u.origin, url: typeof url === 'string' ? url : undefined, values };
}

/** Where the one hop goes: the rdr rules (default redirect, allow-list), relative → the rdr host. */
export function finalDestination(target: TrackedTarget, config: Config): string {
  const url = target.url ?? config.domains.defaultRedirect;
  if (url === undefined || url === '')
    throw new IngestError('BAD_REQUEST', 'the tracked redirect has no url');
  const checked = allowedDestination(url, config, (problem) => `url ${problem}`);
  return checked.startsWith('/') ? new URL(checked, target.origin).toString() : checked;
}
