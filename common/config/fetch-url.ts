// Whether fetch() can request a URL at all. A destination's URL it cannot is not a delivery failure that
// time mends: each attempt would fail alike and the events would be retried for ever. So the configuration
// refuses it when it is loaded, naming why.

/**
 * Ports the Fetch standard blocks ("bad ports"): fetch() refuses to connect to them, whatever answers
 * there (https://fetch.spec.whatwg.org/#port-blocking, as Node's undici implements it).
 */
const BLOCKED_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104,
  109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515,
  526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049,
  3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** Why fetch() could never request `url`, or undefined when it can. */
export function fetchUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not a URL`;
  }
  if (parsed.username !== '' || parsed.password !== '')
    return 'a URL with credentials (user:password@) cannot be requested; leave them out';
  const port = Number(parsed.port);
  if (BLOCKED_PORTS.has(port))
    return `port ${port} is one fetch refuses to connect to (a blocked port); choose another`;
  return undefined;
}

/** The destinations' URLs this checks (a TrackerCluster's spec.ingest.destinations has the same shape). */
export interface DestinationUrls {
  readonly facebook?: readonly { readonly graphApiUrl?: string }[];
  readonly webhooks?: readonly { readonly url: string }[];
}

/** Every destination URL fetch() could never request, as `<prefix>key: problem` lines. */
export function destinationUrlProblems(d: DestinationUrls, prefix = ''): string[] {
  const urls: [string, string | undefined][] = [
    ...(d.facebook ?? []).map((f, i): [string, string | undefined] => [
      `facebook.${i}.graphApiUrl`,
      f.graphApiUrl,
    ]),
    ...(d.webhooks ?? []).map((w, i): [string, string | undefined] => [`webhooks.${i}.url`, w.url]),
  ];
  return urls.flatMap(([key, url]) => {
    const problem = url === undefined ? undefined : fetchUrlProblem(url);
    return problem === undefined ? [] : [`${prefix}${key}: ${problem}`];
  });
}
