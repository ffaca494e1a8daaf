// The script-tag entry: options from the tag's data attributes, the endpoint defaulting to the origin the
// script was loaded from, the tracker as `window.tracker`. Calls made before it loaded are replayed from
// `window.tracker.q` (an array of [method, ...args]).
import { createTracker } from './tracker.ts';
import type { Tracker, TrackerOptions } from './types.ts';

type Call = [keyof Tracker, ...unknown[]];
declare global {
  interface Window {
    tracker?: Tracker | { q?: Call[] };
  }
}

const tag = document.currentScript as HTMLScriptElement | null;
const d = tag?.dataset ?? {};
const flag = (v: string | undefined) => (v === undefined ? undefined : v !== 'false');
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));

const given: Record<string, unknown> = {
  endpoint: d.endpoint ?? new URL(tag?.src || location.href).origin,
  oid: d.oid,
  org: d.org,
  app: d.app,
  rel: d.rel,
  siteKey: d.siteKey,
  transport: d.transport,
  pageviews: flag(d.pageviews),
  clicks: flag(d.clicks),
  outbound: flag(d.outbound),
  respectDnt: flag(d.respectDnt),
  credentials: flag(d.credentials),
  consent: num(d.consent),
  batchSize: num(d.batchSize),
  flushMs: num(d.flushMs),
  retryMs: num(d.retryMs),
  retryMaxMs: num(d.retryMaxMs),
};
const options = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
const queued = (window.tracker as { q?: Call[] } | undefined)?.q ?? [];
const tracker = createTracker(options as unknown as TrackerOptions);
window.tracker = tracker;
for (const [method, ...args] of queued) (tracker[method] as (...a: unknown[]) => unknown)(...args);
