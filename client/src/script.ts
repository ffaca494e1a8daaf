// The script-tag entry: options from the tag's data attributes, the endpoint defaulting to the origin the
// script was loaded from, the tracker as `window.tracker`. Calls made before it loaded are replayed from
// `window.tracker.q` (an array of [method, ...args]): consent and identify before the automatic page view,
// the others after it, each in the order it was made.
import { prepareTracker } from './tracker.ts';
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
const { tracker, start } = prepareTracker(options as unknown as TrackerOptions);
window.tracker = tracker;
const replay = ([method, ...args]: Call) => (tracker[method] as (...a: unknown[]) => unknown)(...args);
// what the page had said about the visitor before the script loaded holds for its first page view
const setsState = ([method]: Call) => method === 'consent' || method === 'identify';
queued.filter(setsState).forEach(replay);
start();
queued.filter((call) => !setsState(call)).forEach(replay);
