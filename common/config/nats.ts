// What in an ingest configuration needs a NATS server, and which key must name that server. One list for
// the ingest, which refuses such a configuration at start (otherwise the JetStream spool fails only when it
// opens, and `privacy.salts: nats` silently keeps per-process salts), and for the TrackerCluster, where an
// in-cluster `spec.nats` names the server instead.
import type { IngestConfig } from './ingest.ts';

export type NatsUrlKey = 'nats.url' | 'spool.nats.url';

export interface NatsNeed {
  /** The setting that uses NATS, as a problem line starts: `rateLimits.shared: "nats"`. */
  readonly setting: string;
  /** The key that must name the server for it. */
  readonly url: NatsUrlKey;
}

type NatsUser = Pick<IngestConfig, 'spool' | 'rateLimits' | 'nats' | 'privacy'>;

/** Every setting of `c` that uses NATS, in the order of the configuration's sections. */
export function natsNeeds(c: NatsUser): NatsNeed[] {
  const needs: [boolean, string, NatsUrlKey][] = [
    [c.spool?.kind === 'nats', 'spool.kind: "nats"', 'spool.nats.url'],
    [c.rateLimits?.shared === 'nats', 'rateLimits.shared: "nats"', 'nats.url'],
    [c.privacy?.salts === 'nats', 'privacy.salts: "nats"', 'nats.url'],
    [c.nats?.publish === true, 'nats.publish: true', 'nats.url'],
    [c.nats?.consume === true, 'nats.consume: true', 'nats.url'],
  ];
  return needs.filter(([on]) => on).map(([, setting, url]) => ({ setting, url }));
}

/** The server `url` names in `c`, if any. */
export function natsUrl(c: NatsUser, url: NatsUrlKey): string | undefined {
  return url === 'nats.url' ? c.nats?.url : c.spool?.nats?.url;
}

/** One problem line per setting that uses NATS while its key names no server. */
export function natsProblems(c: NatsUser): string[] {
  return natsNeeds(c)
    .filter((n) => natsUrl(c, n.url) === undefined)
    .map((n) => `${n.setting} needs ${n.url}`);
}
