// The client's public types. This file imports nothing, so the published declarations are exactly it.

/** Any JSON-serialisable value an event property may hold. */
export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

/** Properties of one event: column names of the events table (ename, etyp, ptyp, …) or anything else,
 * which the ingest keeps in the event's `params`. */
export type Props = Readonly<Record<string, Json | undefined>>;

/** Consent as a cflags number, or as bit names (`{ analytics: true }`) resolved through `consentBits`. */
export type Consent = number | Readonly<Record<string, boolean>>;

export interface TrackerOptions {
  /** Base URL of the ingest, e.g. `https://t.example.com`. The script tag defaults it to its own origin. */
  readonly endpoint: string;
  /** Site identity sent with every event (`oid` is a UUID; `org`, `app`, `rel` free labels). */
  readonly oid?: string;
  readonly org?: string;
  readonly app?: string;
  readonly rel?: string;
  /** The site's public write key (the ingest's `sites.keys`), sent as `site_key` with every event: it
   * binds the events to the key's org, and an ingest with `sites.required` refuses events without one. */
  readonly siteKey?: string;
  /** `http` (default: batched POSTs) or `websocket` (LZ4 frames with acks; falls back to HTTP). */
  readonly transport?: 'http' | 'websocket';
  /** Page views on load and on every History API navigation. Default true. */
  readonly pageviews?: boolean;
  /** Opt-in: clicks on `[data-track]` elements, links and buttons. Default false. */
  readonly clicks?: boolean;
  /** Opt-in: clicks on links to another host. Default false. */
  readonly outbound?: boolean;
  /** Names of the cflags bits; must match the ingest's `privacy.consentBits`. */
  readonly consentBits?: Readonly<Record<string, number>>;
  /** The bit that allows identifiers, cookies and storage. Default `analytics`. */
  readonly analyticsBit?: string;
  /** Consent to assume until the visitor decides (a stored decision wins). Default 0: nothing granted. */
  readonly consent?: Consent;
  /** Send nothing when the browser signals Do-Not-Track or Global Privacy Control. Default false. */
  readonly respectDnt?: boolean;
  /** Send the `CookieConsent` cookie and accept the ingest's `vid` cookie (CORS credentials). Default false. */
  readonly credentials?: boolean;
  /** Events per request. Default 20. */
  readonly batchSize?: number;
  /** Longest wait before a partial batch is sent. Default 1000 ms. */
  readonly flushMs?: number;
  /** Most events kept while the ingest is unreachable; the oldest are dropped beyond. Default 500. */
  readonly maxQueue?: number;
  /** First retry delay, doubled per failure up to `retryMaxMs`. Defaults 1000 and 30000 ms. */
  readonly retryMs?: number;
  readonly retryMaxMs?: number;
  /** A session ends after this much inactivity. Default 30 minutes. */
  readonly sessionMs?: number;
  /** Called when the ingest refused an event for good (4xx): the event, the ingest's error code and, when
   * it gave one, its message saying why. */
  readonly onDrop?: (event: Readonly<Record<string, unknown>>, error: string, message?: string) => void;
}

export interface Tracker {
  /** Record a page view of the current location (done automatically unless `pageviews: false`). */
  page(props?: Props): string | undefined;
  /** Record a custom event; returns its `eid` (undefined when tracking is off). */
  track(ename: string, props?: Props): string | undefined;
  /** Attach a user id to later events (sent and stored only with analytics consent); null forgets it. */
  identify(uid: string | null): void;
  /** Set the visitor's consent; withdrawing analytics deletes the client's identifiers and storage. */
  consent(value: Consent): void;
  /** The current cflags. */
  readonly cflags: number;
  /** Events not yet acknowledged by the ingest. */
  pending(): number;
  /** Send what is queued now; resolves when the attempt finished (events that failed stay queued). */
  flush(): Promise<void>;
  /** Remove listeners and timers; queued events stay in storage for the next page. */
  stop(): void;
}
