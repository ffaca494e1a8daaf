// Lists of host names and of origins in the ingest configuration are compared as exact strings with what a
// request carries (a URL's lower-case host name without port; a browser's Origin header, scheme://host[:port]
// without a path). An entry written another way (`https://shop.example` for a host, `https://a.example/`
// or `a.example` for an origin) never matches anything, and the feature it was meant to allow silently
// refuses everything. So such an entry is a configuration problem, named with the spelling that matches.

/** The host name a URL-like entry names, or undefined when it names none. */
function hostNameIn(entry: string): string | undefined {
  try {
    return new URL(entry.includes('://') ? entry : `http://${entry}`).hostname || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why `entry` is not a host name as requests are compared with it, or undefined when it is one. With
 * `leadingDot`, `.example.com` (every subdomain) is one too.
 */
export function hostEntryProblem(
  entry: string,
  opts: { readonly leadingDot?: boolean } = {},
): string | undefined {
  if (entry.includes('*')) {
    const instead =
      opts.leadingDot === true ? `; "${entry.replace(/^\*\./, '.')}" lists every subdomain` : '';
    return `"${entry}" is not a host name: no wildcards${instead}`;
  }
  const dot = opts.leadingDot === true && entry.startsWith('.') ? '.' : '';
  const name = entry.slice(dot.length);
  const host = hostNameIn(name);
  if (host !== undefined && host === name.toLowerCase()) return undefined;
  const hint = host === undefined ? '' : `; write "${dot}${host}"`;
  return `"${entry}" is not a host name (no scheme, port or path)${hint}`;
}

/**
 * Why `entry` is not an origin as a browser sends it, or undefined when it is one (`null` is the origin
 * of a page opened from a file; `*` only where `star` says every origin may be listed that way).
 */
export function originEntryProblem(
  entry: string,
  opts: { readonly star?: boolean } = {},
): string | undefined {
  if (entry === 'null' || (entry === '*' && opts.star === true)) return undefined;
  if (entry.includes('*'))
    return `"${entry}" is not an origin: no wildcards${opts.star === true ? ' (only "*" alone, every origin)' : ''}`;
  let origin: string | undefined;
  try {
    origin = new URL(entry.includes('://') ? entry : `https://${entry}`).origin;
  } catch {
    origin = undefined;
  }
  if (origin === entry) return undefined;
  const hint = origin === undefined || origin === 'null' ? '' : `; write "${origin}"`;
  return `"${entry}" is not an origin (scheme://host[:port], no path, lower case)${hint}`;
}

/** The lists of the ingest configuration this checks; sections a TrackerCluster may leave out are optional. */
export interface HostAndOriginLists {
  readonly domains?: {
    readonly redirectAllowList?: readonly string[];
    readonly shortLinkHosts?: readonly string[];
    readonly trackerHosts?: readonly string[];
    readonly websocketOrigins?: readonly string[];
  };
  readonly cors?: { readonly origins?: readonly string[] };
  readonly sites?: { readonly keys?: readonly { readonly origins?: readonly string[] }[] };
}

/** Every entry of those lists that matches nothing, as `<prefix>key.i: problem` lines. */
export function hostAndOriginProblems(c: HostAndOriginLists, prefix = ''): string[] {
  const named = (key: string, values: readonly string[] = [], problem: (v: string) => string | undefined) =>
    values.flatMap((v, i) => {
      const p = problem(v);
      return p === undefined ? [] : [`${prefix}${key}.${i}: ${p}`];
    });
  const host = (v: string) => hostEntryProblem(v);
  const anyOrigin = (v: string) => originEntryProblem(v, { star: true });
  return [
    ...named('domains.redirectAllowList', c.domains?.redirectAllowList, (v) =>
      hostEntryProblem(v, { leadingDot: true }),
    ),
    ...named('domains.shortLinkHosts', c.domains?.shortLinkHosts, host),
    ...named('domains.trackerHosts', c.domains?.trackerHosts, host),
    ...named('cors.origins', c.cors?.origins, anyOrigin),
    ...named('domains.websocketOrigins', c.domains?.websocketOrigins, anyOrigin),
    ...(c.sites?.keys ?? []).flatMap((site, i) =>
      named(`sites.keys.${i}.origins`, site.origins, (v) => originEntryProblem(v)),
    ),
  ];
}
